package hashset

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

var formatDFXML = &Format{
	Name: "dfxml",
	Description: "Digital Forensics XML (hashdeep -d, fiwalk): each fileobject's md5, sha1 and sha256 " +
		"hashdigest values named by its filename, with its filesize; other digest types counted as " +
		"unsupported. Entry.Line is the fileobject's ordinal",
	sniff:     sniffDFXML,
	newReader: newDFXMLReader,
}

func init() { formatDFXML.openFile = openStreamFile(newDFXMLReader) }

func sniffDFXML(h *sniffed) specificity { return sniffXMLRoot(h, "dfxml") }

type dfxmlReader struct {
	listState
	dec    *xml.Decoder
	record int
	root   bool
	done   bool
	path   []string // names of the open elements above the current token
}

func newDFXMLReader(r io.Reader, name string) (Reader, error) {
	dec := xml.NewDecoder(&bomSkipper{r: r})
	return &dfxmlReader{listState: newListState(name, "dfxml"), dec: dec}, nil
}

func (d *dfxmlReader) fatal(err error) error {
	d.done = true
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("%s: DFXML broken near byte %d: %w", d.file, d.dec.InputOffset(), err)
}

func (d *dfxmlReader) Next() (Entry, error) {
	for {
		if e, ok, err := d.pop(); ok {
			return e, err
		}
		if d.done {
			return Entry{}, io.EOF
		}
		t, err := d.dec.Token()
		if err == io.EOF {
			d.done = true
			if !d.root {
				return Entry{}, fmt.Errorf("%s: no dfxml element", d.file)
			}
			continue
		}
		if err != nil {
			return Entry{}, d.fatal(err)
		}
		switch x := t.(type) {
		case xml.EndElement:
			if len(d.path) > 0 {
				d.path = d.path[:len(d.path)-1]
			}
			continue
		case xml.StartElement:
			if !d.root {
				if x.Name.Local != "dfxml" {
					d.done = true
					return Entry{}, fmt.Errorf("%s: root element is <%s>, not <dfxml>", d.file, x.Name.Local)
				}
				d.root = true
				for _, a := range x.Attr {
					if a.Name.Local == "version" {
						d.info.FormatVersion = a.Value
					}
				}
				d.path = append(d.path, "dfxml")
				continue
			}
			if err := d.start(x); err != nil {
				return Entry{}, d.fatal(err)
			}
		}
	}
}

// start handles an element below the root.
func (d *dfxmlReader) start(se xml.StartElement) error {
	if len(d.path) == 0 {
		return fmt.Errorf("element <%s> after the end of <dfxml>", se.Name.Local)
	}
	parent := d.path[len(d.path)-1]
	switch {
	case se.Name.Local == "fileobject":
		return d.readFileObject()
	case parent == "creator" && (se.Name.Local == "program" || se.Name.Local == "version"),
		parent == "execution_environment" && se.Name.Local == "command_line",
		parent == "metadata" && se.Name.Local == "type":
		s, err := xmlText(d.dec)
		if err != nil {
			return err
		}
		d.setMeta(parent+"."+se.Name.Local, s)
		return nil
	}
	if len(d.path) < 64 { // descend: fileobjects may sit in volumes and partitions
		d.path = append(d.path, se.Name.Local)
		return nil
	}
	return d.dec.Skip()
}

func (d *dfxmlReader) readFileObject() error {
	d.record++
	proto := newEntry(Unknown, nil, d.record)
	type digest struct{ kind, hex string }
	var digests []digest
	for {
		// The end of the input here becomes io.ErrUnexpectedEOF, as d.fatal
		// would make it anyway.
		se, ok, err := xmlChild(d.dec)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		switch se.Name.Local {
		case "filename", "filesize", "hashdigest":
			s, err := xmlText(d.dec)
			if err != nil {
				return err
			}
			switch se.Name.Local {
			case "filename":
				proto.ID = s
			case "filesize":
				proto.Size = parseSize([]byte(s))
			default:
				kind := ""
				for _, a := range se.Attr {
					if a.Name.Local == "type" {
						kind = strings.ToLower(strings.ReplaceAll(a.Value, "-", ""))
					}
				}
				if len(digests) < 16 {
					digests = append(digests, digest{kind, s})
				}
			}
		default:
			if err := d.dec.Skip(); err != nil {
				return err
			}
		}
	}
	var errs []error
	for _, dg := range digests {
		var a Algorithm
		switch dg.kind {
		case "md5":
			a = MD5
		case "sha1":
			a = SHA1
		case "sha256":
			a = SHA256
		default:
			d.unsupported(dg.kind)
			continue
		}
		dd, err := decodeDigest(a, []byte(dg.hex))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		e := proto
		e.Algorithm, e.Digest = a, dd
		d.push(e)
	}
	if len(errs) > 0 {
		d.pending = d.parseError(d.record, fmt.Errorf("fileobject %d: %w", d.record, errors.Join(errs...)))
	}
	return nil
}

func (d *dfxmlReader) Close() error { return nil }
