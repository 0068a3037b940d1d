package volume

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	ntfsparser "www.velocidex.com/golang/go-ntfs/parser"
)

// go-ntfs parses hostile structures with slice indexing that can panic;
// every call into it goes through guard, which turns a panic into an error
// at this package's boundary.
func guard(what string, err *error) {
	if p := recover(); p != nil {
		*err = fmt.Errorf("ntfs: %s: parser panic: %v", what, p)
	}
}

func isNTFS(b []byte) bool {
	return len(b) >= 512 && string(b[3:11]) == "NTFS    " && b[510] == 0x55 && b[511] == 0xAA
}

// ntfsVolume wraps a go-ntfs context. mu serialises calls into go-ntfs,
// whose caches are not documented as safe for concurrent use; reads of
// uncompressed data bypass it (they go straight to the disk reader).
type ntfsVolume struct {
	mu   sync.Mutex
	ctx  *ntfsparser.NTFSContext
	r    io.ReaderAt
	size int64
}

type ntfsStream struct {
	name       string // "" for the unnamed $DATA stream
	size       int64
	compressed bool
}

type ntfsNode struct {
	id       uint64
	seq      uint16
	inUse    bool
	dir      bool
	ntfsLink            // its name (the long one where there is an 8.3 alias)
	others   []ntfsLink // a file's other names: its other hard links
	streams  []ntfsStream
	si       [4]time.Time // modified, accessed, changed, created
}

// An ntfsLink is one $FILE_NAME of a record: a name in a directory.
type ntfsLink struct {
	name      string
	parent    uint64
	parentSeq uint16
}

// The first 16 MFT records are the file system's own metadata files
// ($MFT, $LogFile, $Bitmap, $BadClus with its volume-sized sparse stream,
// …); they and the $Extend directory hold no user content and are not
// listed.
const ntfsFirstUserRecord = 16

// maxNTFSRecords bounds the walk of a damaged or hostile MFT.
const maxNTFSRecords = 1 << 26

func openNTFS(r io.ReaderAt, size int64) (v *ntfsVolume, err error) {
	defer guard("opening volume", &err)
	ctx, err := ntfsparser.GetNTFSContext(r, 0)
	if err != nil {
		return nil, fmt.Errorf("ntfs: %w", err)
	}
	return &ntfsVolume{ctx: ctx, r: r, size: size}, nil
}

func (v *ntfsVolume) recordCount() (n int64, err error) {
	defer guard("reading $MFT", &err)
	rs := v.ctx.GetRecordSize()
	if rs <= 0 || rs > 1<<16 {
		return 0, fmt.Errorf("ntfs: MFT record size %d", rs)
	}
	root, err := v.ctx.GetMFT(0)
	if err != nil {
		return 0, fmt.Errorf("ntfs: reading $MFT record: %w", err)
	}
	var mftBytes int64
	for _, a := range root.EnumerateAttributes(v.ctx) {
		if a.Type().Value == ntfsparser.ATTR_TYPE_DATA && a.Name() == "" && (a.IsResident() || a.Runlist_vcn_start() == 0) {
			mftBytes = a.DataSize()
			break
		}
	}
	if mftBytes <= 0 {
		return 0, fmt.Errorf("ntfs: $MFT has no data stream")
	}
	n = min(mftBytes, v.size) / rs
	return min(n, maxNTFSRecords), nil
}

func (v *ntfsVolume) node(id int64) (nd *ntfsNode, err error) {
	defer guard(fmt.Sprintf("MFT record %d", id), &err)
	e, err := v.ctx.GetMFT(id)
	if err != nil {
		return nil, err
	}
	if e.Base_record_reference()&0xFFFFFFFFFFFF != 0 {
		return nil, nil // an extension record: its attributes belong to the base record
	}
	nd = &ntfsNode{id: uint64(id), seq: e.Sequence_value(), inUse: e.Flags().IsSet("ALLOCATED"), dir: e.Flags().IsSet("DIRECTORY")}
	bestRank := -1
	var names [4]ntfsLink // usually one: kept off the heap
	links := names[:0]
	seen := map[string]bool{}
	for _, a := range e.EnumerateAttributes(v.ctx) {
		switch a.Type().Value {
		case ntfsparser.ATTR_TYPE_FILE_NAME:
			fn := v.ctx.Profile.FILE_NAME(a.Data(v.ctx), 0)
			rank := map[string]int{"DOS": 0, "POSIX": 2, "Win32": 3, "DOS+Win32": 3}[fn.NameType().Name]
			l := ntfsLink{name: fn.Name(), parent: fn.MftReference(), parentSeq: fn.Seq_num()}
			if rank > bestRank {
				bestRank = rank
				nd.ntfsLink = l
			}
			// A DOS name is the 8.3 alias of a long name in the same
			// directory; every other name is a link of its own.
			if rank > 0 && !slices.Contains(links, l) {
				links = append(links, l)
			}
		case ntfsparser.ATTR_TYPE_STANDARD_INFORMATION:
			si := v.ctx.Profile.STANDARD_INFORMATION(a.Data(v.ctx), 0)
			nd.si = [4]time.Time{si.File_altered_time().Time.UTC(), si.File_accessed_time().Time.UTC(),
				si.Mft_altered_time().Time.UTC(), si.Create_time().Time.UTC()}
		case ntfsparser.ATTR_TYPE_DATA:
			if !a.IsResident() && a.Runlist_vcn_start() != 0 {
				continue // a continuation of a stream split over several records
			}
			name := a.Name()
			if seen[name] {
				continue
			}
			seen[name] = true
			nd.streams = append(nd.streams, ntfsStream{name: name, size: a.DataSize(), compressed: ntfsparser.IsCompressed(a.Flags())})
		}
	}
	if bestRank < 0 {
		return nil, nil // no name: unused or damaged record
	}
	for _, l := range links {
		if l != nd.ntfsLink {
			nd.others = append(nd.others, l)
		}
	}
	return nd, nil
}

// walk lists every MFT record with a name, sorted by path: allocated and
// deleted (not in use) records, each data stream a separate entry.
func (v *ntfsVolume) walk(ctx context.Context, prefix string, emit func(Entry) error) error {
	n, err := v.recordCount()
	if err != nil {
		return err
	}
	nodes := map[uint64]*ntfsNode{}
	var order []uint64
	for id := int64(0); id < n; id++ {
		if id&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		nd, err := v.node(id)
		if err != nil {
			if id < ntfsFirstUserRecord || !strings.Contains(err.Error(), "panic") {
				// Unused slots fail the signature check routinely;
				// only a parser panic says the record is damaged.
				continue
			}
			if e := emit(Entry{Path: joinPath(prefix, fmt.Sprintf("$MFT record %d", id)), FileSystem: "ntfs", Inode: uint64(id), Err: err}); e != nil {
				return e
			}
			continue
		}
		if nd == nil {
			continue
		}
		nodes[nd.id] = nd
		order = append(order, nd.id)
	}
	paths := map[uint64]string{5: ""}
	var resolve func(id uint64, depth int) (string, bool)
	resolve = func(id uint64, depth int) (string, bool) {
		if p, ok := paths[id]; ok {
			return p, true
		}
		nd := nodes[id]
		if nd == nil || depth > maxDirDepth {
			return "", false
		}
		par := nodes[nd.parent]
		if par == nil || !par.dir || par.seq != nd.parentSeq && nd.parentSeq != 0 || nd.parent == id {
			return "", false
		}
		pp, ok := resolve(nd.parent, depth+1)
		if !ok {
			return "", false
		}
		p := joinPath(pp, safeName(nd.name))
		paths[id] = p
		return p, true
	}
	// Entries are sent sorted by path (stable: streams follow their
	// file), not in MFT order, so that listings read like a directory walk.
	// Only paths are sorted; entries are built as they are sent, which
	// keeps the walk's memory at about one node and one path per record.
	type listed struct {
		path   string
		id     uint64
		stream int
	}
	var out []listed
	// linkPath is the path of a file's link: its directory's path and
	// its name. A link whose directory was reused or is gone is listed as
	// The Sleuth Kit lists it, under a virtual $OrphanFiles directory.
	linkPath := func(l ntfsLink, id uint64) string {
		if par := nodes[l.parent]; par != nil && par.dir && (par.seq == l.parentSeq || l.parentSeq == 0) && l.parent != id {
			if pp, ok := resolve(l.parent, 1); ok {
				return joinPath(pp, safeName(l.name))
			}
		}
		return "$OrphanFiles/" + safeName(l.name)
	}
	for _, id := range order {
		nd := nodes[id]
		if id < ntfsFirstUserRecord {
			continue
		}
		// A file is listed under each of its hard links.
		names := []ntfsLink{nd.ntfsLink}
		if !nd.dir {
			names = append(names, nd.others...)
		}
		for _, l := range names {
			p := linkPath(l, id)
			if p == "$Extend" || strings.HasPrefix(p, "$Extend/") {
				continue
			}
			for k, s := range nd.streams {
				if nd.dir && s.name == "" {
					continue
				}
				lp := joinPath(prefix, p)
				if s.name != "" {
					lp += ":" + s.name
				}
				out = append(out, listed{lp, id, k})
			}
		}
	}
	paths = nil
	sort.SliceStable(out, func(i, j int) bool { return out[i].path < out[j].path })
	for _, l := range out {
		nd := nodes[l.id]
		s := nd.streams[l.stream]
		ent := Entry{
			Path: l.path, Size: s.size, FileSystem: "ntfs", Inode: l.id, Deleted: !nd.inUse, Stream: s.name,
			Modified: nd.si[0], Accessed: nd.si[1], Changed: nd.si[2], Created: nd.si[3],
		}
		if ent.Deleted {
			ent.Note = "deleted MFT record: content read from its run list, unverified"
		}
		if s.size < 0 || s.size > v.size*1024 {
			ent.Err = fmt.Errorf("ntfs: MFT record %d stream %q claims %d bytes", l.id, s.name, s.size)
		} else {
			id := l.id
			ent.open = func() (*File, error) { return v.openStream(id, s) }
		}
		if err := emit(ent); err != nil {
			return err
		}
	}
	return nil
}

func safeName(n string) string { return strings.ReplaceAll(n, "/", "_") }

func (v *ntfsVolume) openStream(id uint64, s ntfsStream) (f *File, err error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	defer guard(fmt.Sprintf("MFT record %d stream %q", id, s.name), &err)
	e, err := v.ctx.GetMFT(int64(id))
	if err != nil {
		return nil, fmt.Errorf("ntfs: MFT record %d: %w", id, err)
	}
	if !s.compressed && s.size >= 0 {
		xs, ok, err := v.directExtents(e, s)
		if err != nil {
			return nil, fmt.Errorf("ntfs: MFT record %d stream %q: %w", id, s.name, err)
		}
		if ok {
			return NewFile(&extentReader{src: v.r, extents: xs, what: fmt.Sprintf("MFT record %d", id)}, s.size), nil
		}
	}
	rr, err := ntfsparser.OpenStream(v.ctx, e, ntfsparser.ATTR_TYPE_DATA, ntfsparser.WILDCARD_STREAM_ID, s.name)
	if err != nil {
		return nil, fmt.Errorf("ntfs: MFT record %d stream %q: %w", id, s.name, err)
	}
	var r io.ReaderAt = &ntfsReader{v: v, r: rr, lock: s.compressed, what: fmt.Sprintf("MFT record %d", id)}
	return NewFile(r, s.size), nil
}

// ntfsReader guards reads through go-ntfs; reads of compressed streams
// are serialised because they use the parser's shared state.
type ntfsReader struct {
	v    *ntfsVolume
	r    io.ReaderAt
	lock bool
	what string
}

func (r *ntfsReader) ReadAt(p []byte, off int64) (n int, err error) {
	if r.lock {
		r.v.mu.Lock()
		defer r.v.mu.Unlock()
	}
	defer guard(r.what, &err)
	n, err = r.r.ReadAt(p, off)
	if n < len(p) && (err == nil || err == io.EOF) {
		err = fmt.Errorf("%s: short read at byte %d: %w", r.what, off+int64(n), io.ErrUnexpectedEOF)
	}
	return n, err
}

// freeBytes counts the clear bits of $Bitmap (MFT record 6): clusters not
// allocated to any file.
func (v *ntfsVolume) freeBytes() (free int64, err error) {
	f, err := v.openStream(6, ntfsStream{size: -1})
	if err != nil {
		return 0, err
	}
	defer guard("reading $Bitmap", &err)
	cs := v.ctx.ClusterSize
	if cs <= 0 {
		return 0, fmt.Errorf("ntfs: cluster size %d", cs)
	}
	clusters := v.size / cs
	buf := make([]byte, 64<<10)
	var seen int64
	for off := int64(0); seen < clusters; off += int64(len(buf)) {
		n, rerr := f.r.ReadAt(buf, off)
		for _, b := range buf[:n] {
			for bit := 0; bit < 8 && seen < clusters; bit++ {
				if b&(1<<bit) == 0 {
					free++
				}
				seen++
			}
		}
		if rerr != nil || n == 0 {
			break
		}
	}
	return free * cs, nil
}

// directExtents maps an uncompressed non-resident stream straight to the
// volume from its run lists, so that reads go to the disk in one call per
// run rather than through go-ntfs's per-run readers. It reports ok=false
// for shapes it leaves to go-ntfs (resident data); a run outside the
// volume is an error. Bytes past the initialized size read as zeros, as
// NTFS defines them.
func (v *ntfsVolume) directExtents(e *ntfsparser.MFT_ENTRY, s ntfsStream) (xs []extent, ok bool, err error) {
	cs := v.ctx.ClusterSize
	if cs <= 0 {
		return nil, false, nil
	}
	var attrs []*ntfsparser.NTFS_ATTRIBUTE
	for _, a := range e.EnumerateAttributes(v.ctx) {
		if a.Type().Value != ntfsparser.ATTR_TYPE_DATA || a.Name() != s.name {
			continue
		}
		if a.IsResident() || ntfsparser.IsCompressed(a.Flags()) {
			return nil, false, nil
		}
		attrs = append(attrs, a)
	}
	if len(attrs) == 0 {
		return nil, false, nil
	}
	sort.Slice(attrs, func(i, j int) bool { return attrs[i].Runlist_vcn_start() < attrs[j].Runlist_vcn_start() })
	if attrs[0].Runlist_vcn_start() != 0 {
		return nil, false, fmt.Errorf("first run list starts at cluster %d", attrs[0].Runlist_vcn_start())
	}
	initialized := min(int64(attrs[0].Initialized_size()), s.size)
	if initialized < 0 {
		initialized = 0
	}
	var logical int64 // bytes mapped so far
	var vcn int64     // clusters covered by the run lists so far
	for _, a := range attrs {
		if logical >= initialized {
			break
		}
		if start := int64(a.Runlist_vcn_start()); start != vcn {
			return nil, false, fmt.Errorf("run list pieces do not join at cluster %d (expected %d)", start, vcn)
		}
		for _, r := range a.RunList() {
			if logical >= initialized {
				break
			}
			if r.Length <= 0 || r.Length > (s.size/cs)+1 {
				return nil, false, fmt.Errorf("run of %d clusters at file byte %d", r.Length, logical)
			}
			vcn += r.Length
			length := min(r.Length*cs, initialized-logical)
			phys := int64(-1) // a run without an offset is sparse
			if r.RelativeUrnOffset != 0 {
				phys = r.Offset * cs
				if r.Offset < 0 || phys+length > v.size {
					return nil, false, fmt.Errorf("run at cluster %d+%d lies outside the volume", r.Offset, r.Length)
				}
			}
			xs = appendExtent(xs, extent{logical, phys, length})
			if len(xs) > maxExtents {
				return nil, false, fmt.Errorf("more than %d runs", maxExtents)
			}
			logical += length
		}
	}
	if logical < initialized {
		return nil, false, fmt.Errorf("run lists map %d of %d initialized bytes", logical, initialized)
	}
	if initialized < s.size {
		xs = appendExtent(xs, extent{initialized, -1, s.size - initialized})
	}
	return xs, true, nil
}
