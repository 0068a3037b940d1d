package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// byteSize is a flag value holding a number of bytes, written as a plain
// number or with a unit: "500MB" (powers of 1000: kB, MB, GB, TB, PB) or
// "64GiB" (powers of 1024: KiB, MiB, GiB, TiB, PiB). It must be positive.
type byteSize int64

var sizeUnits = []struct {
	suffix string
	mult   int64
}{
	// Longer suffixes first: "MiB" must not be read as "B".
	{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"tib", 1 << 40}, {"pib", 1 << 50},
	{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9}, {"tb", 1e12}, {"pb", 1e15},
	{"b", 1},
}

// parseByteSize parses s as byteSize documents.
func parseByteSize(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range sizeUnits {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseFloat(t, 64)
	if err != nil || t == "" || math.IsNaN(n) || math.IsInf(n, 0) {
		return 0, fmt.Errorf("%q is not a size (examples: 64GiB, 500MB, 1048576)", s)
	}
	v := n * float64(mult)
	if v < 1 || v >= math.MaxInt64 {
		return 0, fmt.Errorf("size %q out of range: want at least 1 byte", s)
	}
	return int64(v), nil
}

func (b *byteSize) Set(s string) error {
	n, err := parseByteSize(s)
	if err != nil {
		return err
	}
	*b = byteSize(n)
	return nil
}

func (b *byteSize) String() string { return formatByteSize(int64(*b)) }

func (b *byteSize) Type() string { return "size" }

// formatByteSize writes n with the largest binary unit that divides it.
func formatByteSize(n int64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB"}
	i := 0
	for i < len(units)-1 && n != 0 && n%1024 == 0 {
		n /= 1024
		i++
	}
	return strconv.FormatInt(n, 10) + units[i]
}
