package volume

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"sort"

	"github.com/hashtriage/hashtriage/internal/utf16le"
)

// A Partition is one entry of a partition table.
type Partition struct {
	Name   string // locator level: "p1", "p2", …; MBR logical partitions start at "p5"
	Scheme string // "mbr" or "gpt"
	Type   string // MBR type byte as "0x07", or the GPT type GUID
	Label  string // GPT partition name
	Start  int64  // byte offset on the disk
	Length int64  // bytes
	// Err is set when the entry is unusable (for example it lies beyond the
	// end of the disk); Start and Length then say what the table claimed.
	Err error
}

// A Table is a disk's partition table.
type Table struct {
	Scheme     string // "mbr" or "gpt"
	SectorSize int64
	Partitions []Partition // usable and unusable, in table order
	// Containers are MBR extended partitions: they hold logical partitions
	// and are not volumes themselves.
	Containers []Partition
	// Warnings are damage that did not stop the table being read, such
	// as a primary GPT replaced by its backup.
	Warnings []error
}

// Limits on outside-controlled counts, so that a hostile table cannot make
// the parser loop or allocate without bound.
const (
	maxLogicalPartitions = 128
	maxGPTEntries        = 1024
)

var errNoTable = errors.New("no partition table")

// ReadTable reads the MBR or GPT partition table of a disk of size bytes.
// A protective MBR (type 0xEE) leads to the GPT; a GPT whose header or entry
// checksum is wrong is not trusted: the backup GPT in the last sector is
// read instead (and a Warning says so), or, if it is damaged too, ReadTable
// fails.
// It returns an error wrapping errNoTable if sector 0 holds no table.
func ReadTable(r io.ReaderAt, size int64) (*Table, error) {
	var mbr [512]byte
	if _, err := r.ReadAt(mbr[:], 0); err != nil {
		return nil, fmt.Errorf("reading sector 0: %w", err)
	}
	if mbr[510] != 0x55 || mbr[511] != 0xAA {
		return nil, errNoTable
	}
	for _, ss := range []int64{512, 4096} {
		var sig [8]byte
		if _, err := r.ReadAt(sig[:], ss); err == nil && string(sig[:]) == "EFI PART" {
			if hasProtectiveEntry(mbr[:]) {
				t, err := readGPT(r, size, ss, 1)
				if err == nil {
					return t, nil
				}
				// The backup header sits in the disk's last sector.
				backup := size/ss - 1
				tb, berr := readGPT(r, size, ss, backup)
				if berr != nil {
					return nil, fmt.Errorf("primary GPT: %v; backup GPT at LBA %d: %v", err, backup, berr)
				}
				tb.Warnings = append(tb.Warnings, fmt.Errorf("primary GPT unusable (%v); partitions read from the backup GPT at LBA %d", err, backup))
				return tb, nil
			}
		}
	}
	return readMBR(r, size, mbr[:])
}

func hasProtectiveEntry(mbr []byte) bool {
	for i := 0; i < 4; i++ {
		if mbr[446+16*i+4] == 0xEE {
			return true
		}
	}
	return false
}

func isExtended(t byte) bool { return t == 0x05 || t == 0x0F || t == 0x85 }

func readMBR(r io.ReaderAt, size int64, mbr []byte) (*Table, error) {
	const ss = 512
	t := &Table{Scheme: "mbr", SectorSize: ss}
	// A boot sector of a bare volume also ends in 55 AA; an MBR's entries
	// must have a valid status byte.
	for i := 0; i < 4; i++ {
		if s := mbr[446+16*i]; s != 0 && s != 0x80 {
			return nil, errNoTable
		}
	}
	for i := 0; i < 4; i++ {
		e := mbr[446+16*i : 446+16*(i+1)]
		typ := e[4]
		start := int64(binary.LittleEndian.Uint32(e[8:])) * ss
		length := int64(binary.LittleEndian.Uint32(e[12:])) * ss
		if typ == 0 || length == 0 {
			continue
		}
		p := Partition{Name: fmt.Sprintf("p%d", i+1), Scheme: "mbr", Type: fmt.Sprintf("0x%02x", typ), Start: start, Length: length}
		p.Err = checkBounds(p, size)
		if isExtended(typ) {
			t.Containers = append(t.Containers, p)
			if p.Err == nil {
				t.Partitions = append(t.Partitions, readLogical(r, size, start, length)...)
			} else {
				p.Name = fmt.Sprintf("p%d", i+1)
				t.Partitions = append(t.Partitions, p)
			}
			continue
		}
		t.Partitions = append(t.Partitions, p)
	}
	if len(t.Partitions) == 0 && len(t.Containers) == 0 {
		return nil, errNoTable
	}
	sort.SliceStable(t.Partitions, func(i, j int) bool { return partNum(t.Partitions[i].Name) < partNum(t.Partitions[j].Name) })
	return t, nil
}

func partNum(name string) int {
	n := 0
	for _, c := range name[1:] {
		n = n*10 + int(c-'0')
	}
	return n
}

// readLogical follows the chain of extended boot records inside the
// extended partition at extStart. Each EBR's first entry is a logical
// partition relative to that EBR, its second the next EBR relative to the
// extended partition. Loops and overlong chains end the walk with an
// error partition.
func readLogical(r io.ReaderAt, size, extStart, extLen int64) []Partition {
	const ss = 512
	var parts []Partition
	seen := map[int64]bool{}
	ebr := extStart
	num := 5
	for {
		name := fmt.Sprintf("p%d", num)
		if seen[ebr] || len(seen) >= maxLogicalPartitions {
			parts = append(parts, Partition{Name: name, Scheme: "mbr", Start: ebr, Err: fmt.Errorf("extended boot record chain loops or exceeds %d entries at byte %d", maxLogicalPartitions, ebr)})
			return parts
		}
		seen[ebr] = true
		var b [512]byte
		if _, err := r.ReadAt(b[:], ebr); err != nil {
			parts = append(parts, Partition{Name: name, Scheme: "mbr", Start: ebr, Err: fmt.Errorf("reading extended boot record at byte %d: %w", ebr, err)})
			return parts
		}
		if b[510] != 0x55 || b[511] != 0xAA {
			parts = append(parts, Partition{Name: name, Scheme: "mbr", Start: ebr, Err: fmt.Errorf("extended boot record at byte %d lacks the 55 AA signature", ebr)})
			return parts
		}
		e1, e2 := b[446:462], b[462:478]
		if typ := e1[4]; typ != 0 {
			p := Partition{Name: name, Scheme: "mbr", Type: fmt.Sprintf("0x%02x", typ),
				Start:  ebr + int64(binary.LittleEndian.Uint32(e1[8:]))*ss,
				Length: int64(binary.LittleEndian.Uint32(e1[12:])) * ss}
			p.Err = checkBounds(p, size)
			if p.Err == nil && (p.Start < extStart || p.Start+p.Length > extStart+extLen) {
				p.Err = fmt.Errorf("logical partition at byte %d lies outside its extended partition", p.Start)
			}
			parts = append(parts, p)
			num++
		}
		if !isExtended(e2[4]) || binary.LittleEndian.Uint32(e2[12:]) == 0 {
			return parts
		}
		ebr = extStart + int64(binary.LittleEndian.Uint32(e2[8:]))*ss
	}
}

func checkBounds(p Partition, size int64) error {
	if p.Start < 0 || p.Length < 0 || p.Start >= size || p.Start+p.Length > size {
		return fmt.Errorf("partition %s (bytes %d+%d) extends beyond the end of the disk (%d bytes)", p.Name, p.Start, p.Length, size)
	}
	return nil
}

func readGPT(r io.ReaderAt, size, ss, lba int64) (*Table, error) {
	var h [512]byte
	if lba <= 0 {
		return nil, fmt.Errorf("GPT header LBA %d", lba)
	}
	if _, err := r.ReadAt(h[:92], lba*ss); err != nil {
		return nil, fmt.Errorf("reading GPT header: %w", err)
	}
	if string(h[:8]) != "EFI PART" {
		return nil, fmt.Errorf("no GPT header signature at LBA %d", lba)
	}
	hsize := binary.LittleEndian.Uint32(h[12:])
	if hsize < 92 || int64(hsize) > ss || hsize > 512 {
		return nil, fmt.Errorf("GPT header size %d is invalid", hsize)
	}
	if _, err := r.ReadAt(h[:hsize], lba*ss); err != nil {
		return nil, fmt.Errorf("reading GPT header: %w", err)
	}
	want := binary.LittleEndian.Uint32(h[16:])
	hdr := append([]byte(nil), h[:hsize]...)
	binary.LittleEndian.PutUint32(hdr[16:], 0)
	if crc32.ChecksumIEEE(hdr) != want {
		return nil, fmt.Errorf("GPT header checksum mismatch")
	}
	if my := binary.LittleEndian.Uint64(h[24:]); my != uint64(lba) {
		return nil, fmt.Errorf("GPT header at LBA %d says it is at LBA %d", lba, my)
	}
	entryLBA := int64(binary.LittleEndian.Uint64(h[72:]))
	count := binary.LittleEndian.Uint32(h[80:])
	esize := binary.LittleEndian.Uint32(h[84:])
	if count > maxGPTEntries || esize < 128 || esize > 4096 || esize%8 != 0 {
		return nil, fmt.Errorf("GPT has %d entries of %d bytes: not plausible", count, esize)
	}
	if entryLBA <= 0 || entryLBA > size/ss {
		return nil, fmt.Errorf("GPT entry array at LBA %d is outside the disk", entryLBA)
	}
	buf := make([]byte, int(count)*int(esize))
	if _, err := r.ReadAt(buf, entryLBA*ss); err != nil {
		return nil, fmt.Errorf("reading GPT entries: %w", err)
	}
	if crc32.ChecksumIEEE(buf) != binary.LittleEndian.Uint32(h[88:]) {
		return nil, fmt.Errorf("GPT partition entry array checksum mismatch")
	}
	t := &Table{Scheme: "gpt", SectorSize: ss}
	for i := 0; i < int(count); i++ {
		e := buf[i*int(esize) : (i+1)*int(esize)]
		if bytes.Equal(e[:16], make([]byte, 16)) {
			continue
		}
		first := binary.LittleEndian.Uint64(e[32:])
		last := binary.LittleEndian.Uint64(e[40:])
		p := Partition{Name: fmt.Sprintf("p%d", i+1), Scheme: "gpt", Type: guidString(e[:16]), Label: utf16le.String(e[56:128])}
		if last < first || first > uint64(size/ss) || last > uint64(size/ss) {
			p.Start = int64(first % (1 << 40) * uint64(ss))
			p.Err = fmt.Errorf("partition %s: LBA range %d-%d is invalid for a disk of %d sectors", p.Name, first, last, size/ss)
		} else {
			p.Start = int64(first) * ss
			p.Length = int64(last-first+1) * ss
			p.Err = checkBounds(p, size)
		}
		t.Partitions = append(t.Partitions, p)
	}
	return t, nil
}

// guidString formats a GPT GUID in its mixed-endian textual form.
func guidString(b []byte) string {
	return fmt.Sprintf("%08X-%04X-%04X-%X-%X", binary.LittleEndian.Uint32(b[0:]), binary.LittleEndian.Uint16(b[4:]),
		binary.LittleEndian.Uint16(b[6:]), b[8:10], b[10:16])
}
