//go:build !linux

package main

import "errors"

func dropFromPageCache(path string) error {
	return errors.New("-evict works on Linux only")
}
