//go:build !linux

package match

// mapTable reports that no memory was mapped: the tables live on the Go heap.
func mapTable(size int) ([]byte, bool) { return nil, false }

func unmapTable([]byte) {}
