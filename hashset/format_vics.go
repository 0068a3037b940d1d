package hashset

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

var formatVICS = &Format{
	Name: "vics",
	Description: "Project VIC VICS JSON 1.1-1.3 (odata.metadata) and 2.0 (@odata.context), flat #Media hash " +
		"sets and #Cases exports with nested Media, streamed one Media at a time; MD5 and SHA1 entries " +
		"with MediaID (none when 0 or empty), Category, Series and MediaSize; PhotoDNA counted. Entry.Line is " +
		"the Media's ordinal",
	sniff:     sniffVICS,
	newReader: newVICSReader,
}

func init() { formatVICS.openFile = openStreamFile(newVICSReader) }

const (
	vicsKey1x = "odata.metadata"
	vicsKey20 = "@odata.context"
)

func sniffVICS(h *sniffed) specificity {
	if !bytes.HasPrefix(h.text, []byte("{")) {
		return noMatch
	}
	dec := json.NewDecoder(bytes.NewReader(h.text))
	if _, err := dec.Token(); err != nil {
		return noMatch
	}
	if k, err := dec.Token(); err == nil && (k == vicsKey1x || k == vicsKey20) {
		return byRoot
	}
	return noMatch
}

// vicsReader is a pull parser over the token stream: its state says where
// in the document the next Media is to be looked for.
type vicsReader struct {
	listState
	dec    *json.Decoder
	state  int
	elem   vicsMedia // the element of "value" being read
	isCase bool      // the element turned out to be a Case (it has a Media array)
	record int       // Media records so far
	cases  int
	fatal  error
}

const (
	vicsStart     = iota
	vicsValue     // in the root "value" array
	vicsElement   // in an element of "value", reading its keys
	vicsCaseMedia // in a Case's "Media" array
	vicsTail      // after "value": the remaining root keys
	vicsDone
)

// vicsMedia is what hashtriage keeps of one Media object. Miniature
// thumbnails and MediaFiles are skipped token by token, never kept.
type vicsMedia struct {
	id, category, series string
	md5, sha1, photoDNA  string
	size                 int64
	alt                  []vicsAltHash
	err                  error // a wrongly typed field: the record is reported, the stream goes on
	offset               int64
}

type vicsAltHash struct {
	HashName  string
	HashValue string
}

func newVICSReader(r io.Reader, name string) (Reader, error) {
	dec := json.NewDecoder(&bomSkipper{r: r})
	dec.UseNumber()
	v := &vicsReader{listState: newListState(name, "vics"), dec: dec}
	if err := v.readRootStart(); err != nil {
		return nil, err
	}
	return v, nil
}

// bomSkipper drops a UTF-8 byte-order mark at the start of a stream.
type bomSkipper struct {
	r       io.Reader
	checked bool
	buf     []byte
}

func (b *bomSkipper) Read(p []byte) (int, error) {
	if !b.checked {
		b.checked = true
		head := make([]byte, 3)
		n, err := io.ReadFull(b.r, head)
		head = head[:n]
		if !bytes.Equal(head, utf8BOM) {
			b.buf = head
		}
		if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
			return 0, err
		}
	}
	if len(b.buf) > 0 {
		n := copy(p, b.buf)
		b.buf = b.buf[n:]
		return n, nil
	}
	return b.r.Read(p)
}

func (v *vicsReader) syntaxErr(err error) error {
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("%s: VICS JSON broken near byte %d: %w", v.file, v.dec.InputOffset(), err)
}

func (v *vicsReader) expectDelim(want json.Delim) error {
	t, err := v.dec.Token()
	if err != nil {
		return v.syntaxErr(err)
	}
	if d, ok := t.(json.Delim); !ok || d != want {
		return v.syntaxErr(fmt.Errorf("expected %q, found %v", want, t))
	}
	return nil
}

// readRootStart reads up to the start of the "value" array.
func (v *vicsReader) readRootStart() error {
	if err := v.expectDelim('{'); err != nil {
		return fmt.Errorf("%w (not a VICS JSON object)", err)
	}
	if err := v.readRootKeys(); err != nil {
		return err
	}
	if v.state != vicsValue {
		return fmt.Errorf("%s: VICS JSON without a \"value\" array", v.file)
	}
	if v.info.FormatVersion == "" {
		return fmt.Errorf("%s: VICS JSON without %q or %q", v.file, vicsKey1x, vicsKey20)
	}
	return nil
}

// readRootKeys reads root keys until "value" (state vicsValue) or the end
// of the root object (state vicsDone).
func (v *vicsReader) readRootKeys() error {
	for v.dec.More() {
		t, err := v.dec.Token()
		if err != nil {
			return v.syntaxErr(err)
		}
		key, _ := t.(string)
		switch key {
		case vicsKey1x, vicsKey20:
			s, err := v.scalar()
			if err != nil {
				return err
			}
			v.setMeta(key, s)
			v.parseDataModel(s)
		case "value":
			if err := v.expectDelim('['); err != nil {
				return err
			}
			v.state = vicsValue
			return nil
		default:
			if err := v.skipValue(); err != nil {
				return err
			}
		}
	}
	if err := v.expectDelim('}'); err != nil {
		return err
	}
	v.state = vicsDone
	return nil
}

// parseDataModel takes the version, profile and shape from the data-model
// URL, e.g. .../DataModels/1.2.xml#Media or .../DataModels/2.0.xml/UK/$metadata#Cases.
func (v *vicsReader) parseDataModel(s string) {
	_, after, ok := strings.Cut(s, "DataModels/")
	if !ok {
		v.info.FormatVersion = "unknown"
		return
	}
	ver, rest, _ := strings.Cut(after, ".xml")
	v.info.FormatVersion = ver
	if p, ok := strings.CutPrefix(rest, "/"); ok {
		if prof, _, ok := strings.Cut(p, "/"); ok {
			v.setMeta("profile", prof)
		}
	}
	if _, shape, ok := strings.Cut(s, "#"); ok {
		v.setMeta("shape", shape)
	}
}

// skipValue skips one JSON value of any size, token by token.
func (v *vicsReader) skipValue() error { return v.skipTokens(0) }

// skipTokens reads tokens, counting depth up at each opening and down at
// each closing delimiter, until depth is 0 after a token.
func (v *vicsReader) skipTokens(depth int) error {
	for {
		t, err := v.dec.Token()
		if err != nil {
			return v.syntaxErr(err)
		}
		if d, ok := t.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
		if depth == 0 {
			return nil
		}
	}
}

var errVICSType = errors.New("wrong JSON type")

// scalar reads a string, number, boolean or null as text ("" for null).
// An object or array is skipped and reported as errVICSType.
func (v *vicsReader) scalar() (string, error) {
	t, err := v.dec.Token()
	if err != nil {
		return "", v.syntaxErr(err)
	}
	switch x := t.(type) {
	case string:
		return x, nil
	case json.Number:
		return x.String(), nil
	case bool:
		return strconv.FormatBool(x), nil
	case nil:
		return "", nil
	case json.Delim:
		if err := v.finishCompound(); err != nil {
			return "", err
		}
		return "", errVICSType
	}
	return "", errVICSType
}

// readMediaKey reads the value of one Media key into m. It returns only
// stream errors; a badly typed value is kept in m.err.
func (v *vicsReader) readMediaKey(key string, m *vicsMedia) error {
	var dst *string
	switch strings.ToLower(key) {
	case "mediaid":
		dst = &m.id
	case "category":
		dst = &m.category
	case "series":
		dst = &m.series
	case "md5":
		dst = &m.md5
	case "sha1":
		dst = &m.sha1
	case "photodna":
		dst = &m.photoDNA
	case "mediasize":
		s, err := v.scalar()
		if err == errVICSType {
			m.err = fmt.Errorf("MediaSize: %w", err)
			return nil
		}
		if err != nil {
			return err
		}
		m.size = parseSize([]byte(s))
		return nil
	case "alternativehashes":
		return v.readAltHashes(m)
	default:
		return v.skipValue()
	}
	s, err := v.scalar()
	if err == errVICSType {
		if m.err == nil {
			m.err = fmt.Errorf("%s: %w", key, err)
		}
		return nil
	}
	*dst = s
	return err
}

func (v *vicsReader) readAltHashes(m *vicsMedia) error {
	t, err := v.dec.Token()
	if err != nil {
		return v.syntaxErr(err)
	}
	if t == nil {
		return nil
	}
	if d, ok := t.(json.Delim); !ok || d != '[' {
		m.err = fmt.Errorf("AlternativeHashes: %w", errVICSType)
		if ok {
			return v.finishCompound()
		}
		return nil
	}
	for v.dec.More() {
		var a vicsAltHash
		if err := v.dec.Decode(&a); err != nil {
			var te *json.UnmarshalTypeError
			if !errors.As(err, &te) {
				return v.syntaxErr(err)
			}
			m.err = fmt.Errorf("AlternativeHashes: %w", errVICSType)
			continue
		}
		if len(m.alt) < 64 { // a Media carries a handful; never grow without bound
			m.alt = append(m.alt, a)
		}
	}
	return v.expectDelim(']')
}

// finishCompound skips the rest of an object or array whose opening
// delimiter has been read.
func (v *vicsReader) finishCompound() error { return v.skipTokens(1) }

func (v *vicsReader) Next() (Entry, error) {
	for {
		if e, ok, err := v.pop(); ok {
			return e, err
		}
		if v.fatal != nil {
			return Entry{}, v.fatal
		}
		if v.state == vicsDone {
			if v.cases > 0 {
				v.setMeta("cases", strconv.Itoa(v.cases))
			}
			return Entry{}, io.EOF
		}
		if err := v.step(); err != nil {
			v.fatal = err
		}
	}
}

// step advances the parser by one structural element, queueing the
// entries of any Media it completes.
func (v *vicsReader) step() error {
	switch v.state {
	case vicsValue:
		if !v.dec.More() {
			if err := v.expectDelim(']'); err != nil {
				return err
			}
			v.state = vicsTail
			return nil
		}
		off := v.dec.InputOffset()
		if isObject, err := v.openObject("value", off); !isObject {
			return err
		}
		v.elem, v.isCase = vicsMedia{offset: off, size: -1}, false
		v.state = vicsElement
	case vicsElement:
		if !v.dec.More() {
			if err := v.expectDelim('}'); err != nil {
				return err
			}
			v.state = vicsValue
			if v.isCase {
				v.cases++
			} else {
				v.emit(&v.elem)
			}
			return nil
		}
		t, err := v.dec.Token()
		if err != nil {
			return v.syntaxErr(err)
		}
		key, _ := t.(string)
		if key != "Media" {
			return v.readMediaKey(key, &v.elem)
		}
		t, err = v.dec.Token()
		if err != nil {
			return v.syntaxErr(err)
		}
		if d, ok := t.(json.Delim); ok && d == '[' {
			v.isCase = true
			v.state = vicsCaseMedia
		} else if ok {
			return v.finishCompound()
		}
	case vicsCaseMedia:
		if !v.dec.More() {
			if err := v.expectDelim(']'); err != nil {
				return err
			}
			v.state = vicsElement
			return nil
		}
		m := vicsMedia{offset: v.dec.InputOffset(), size: -1}
		if isObject, err := v.openObject("Media", m.offset); !isObject {
			return err
		}
		for v.dec.More() {
			t, err := v.dec.Token()
			if err != nil {
				return v.syntaxErr(err)
			}
			key, _ := t.(string)
			if err := v.readMediaKey(key, &m); err != nil {
				return err
			}
		}
		if err := v.expectDelim('}'); err != nil {
			return err
		}
		v.emit(&m)
	case vicsTail:
		return v.readRootKeys()
	}
	return nil
}

// openObject reads the first token of the element (what, for errors) that
// starts at byte off, and reports whether it opens an object. Any other
// value is skipped and kept as the parse error of a record of its own.
func (v *vicsReader) openObject(what string, off int64) (bool, error) {
	t, err := v.dec.Token()
	if err != nil {
		return false, v.syntaxErr(err)
	}
	if d, ok := t.(json.Delim); !ok || d != '{' {
		v.record++
		if ok {
			if err := v.finishCompound(); err != nil {
				return false, err
			}
		}
		v.pending = v.parseError(v.record, fmt.Errorf("%s element at byte %d is not an object", what, off))
		return false, nil
	}
	return true, nil
}

// emit queues the entries of one Media and any error in it.
func (v *vicsReader) emit(m *vicsMedia) {
	v.record++
	proto := newEntry(Unknown, nil, v.record)
	proto.ID, proto.Category, proto.Series, proto.Size = vicsMediaID(m.id), m.category, m.series, m.size
	var errs []error
	if m.err != nil {
		errs = append(errs, m.err)
	}
	add := func(a Algorithm, hex string) {
		if err := v.pushDigest(proto, a, []byte(hex)); err != nil {
			errs = append(errs, err)
		}
	}
	add(MD5, m.md5)
	add(SHA1, m.sha1)
	if m.photoDNA != "" {
		v.info.PhotoDNA++
	}
	for _, a := range m.alt {
		if strings.TrimSpace(a.HashValue) == "" {
			continue
		}
		switch n := strings.ToLower(strings.ReplaceAll(a.HashName, "-", "")); n {
		case "photodna":
			v.info.PhotoDNA++
		case "md5":
			add(MD5, a.HashValue)
		case "sha1":
			add(SHA1, a.HashValue)
		case "sha256":
			add(SHA256, a.HashValue)
		case "pdq":
			add(PDQ, a.HashValue)
		default:
			v.unsupported(n)
		}
	}
	if len(v.queue) == 0 && len(errs) == 0 && m.photoDNA == "" && len(m.alt) == 0 {
		errs = append(errs, errors.New("Media without MD5, SHA1 or PhotoDNA"))
	}
	if len(errs) > 0 {
		v.pending = v.parseError(v.record, fmt.Errorf("Media record %d (byte %d): %w", v.record, m.offset, errors.Join(errs...)))
	}
}

// vicsMediaID returns the entry ID for a MediaID: "" when the list gives
// none. Lists that are not Project VIC case exports (NIST's NSRL-CAID VICS
// files) set every MediaID to 0, which names nothing: the entry is then
// named by its record number, as an entry without an ID is.
func vicsMediaID(s string) string {
	s = strings.TrimSpace(s)
	if s == "0" {
		return ""
	}
	return s
}

func (v *vicsReader) Close() error { return nil }
