//go:build !amd64

package ewf

// adlerBlockMaxTest stands for the amd64 block limit, so that the same
// lengths are tested everywhere.
const adlerBlockMaxTest = 8192 * 64
