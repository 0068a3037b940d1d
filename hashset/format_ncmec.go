package hashset

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

var formatNCMEC = &Format{
	Name: "ncmec",
	Description: "NCMEC Hash Sharing API v2 XML (queryResult): image and video md5, sha1 and pdq entries " +
		"named by their id with the classification as category; deletedImage/deletedVideo give Delete " +
		"entries; pdna counted as PhotoDNA, tmk-pdqf and videntifier as unsupported. Entry.Line is the " +
		"record's ordinal",
	sniff:     sniffNCMEC,
	newReader: newNCMECReader,
}

func init() { formatNCMEC.openFile = openStreamFile(newNCMECReader) }

func sniffNCMEC(h *sniffed) specificity { return sniffXMLRoot(h, "queryResult") }

type ncmecReader struct {
	listState
	dec    *xml.Decoder
	record int
	root   bool
	done   bool
}

func newNCMECReader(r io.Reader, name string) (Reader, error) {
	dec := xml.NewDecoder(&bomSkipper{r: r})
	dec.Strict = true
	return &ncmecReader{listState: newListState(name, "ncmec"), dec: dec}, nil
}

func (n *ncmecReader) fatal(err error) error {
	n.done = true
	return fmt.Errorf("%s: NCMEC XML broken near byte %d: %w", n.file, n.dec.InputOffset(), err)
}

func (n *ncmecReader) Next() (Entry, error) {
	for {
		if e, ok, err := n.pop(); ok {
			return e, err
		}
		if n.done {
			return Entry{}, io.EOF
		}
		t, err := n.dec.Token()
		if err == io.EOF {
			n.done = true
			if !n.root {
				return Entry{}, fmt.Errorf("%s: no queryResult element", n.file)
			}
			continue
		}
		if err != nil {
			return Entry{}, n.fatal(err)
		}
		se, ok := t.(xml.StartElement)
		if !ok {
			continue
		}
		if !n.root {
			if se.Name.Local != "queryResult" {
				n.done = true
				return Entry{}, fmt.Errorf("%s: root element is <%s>, not <queryResult>", n.file, se.Name.Local)
			}
			n.root = true
			continue
		}
		switch se.Name.Local {
		case "images", "videos":
			for _, a := range se.Attr {
				n.setMeta(se.Name.Local+"."+a.Name.Local, a.Value)
			}
		case "image", "video", "deletedImage", "deletedVideo":
			if err := n.readEntry(se); err != nil {
				return Entry{}, n.fatal(err)
			}
		case "next":
			s, err := xmlText(n.dec)
			if err != nil {
				return Entry{}, n.fatal(err)
			}
			n.setMeta("paging.next", s)
		case "paging":
			// descend: its next element is read above
		default:
			if err := n.dec.Skip(); err != nil {
				return Entry{}, n.fatal(err)
			}
		}
	}
}

type ncmecFingerprint struct {
	kind, value string
}

// readEntry reads one image, video or deleted record and queues its entries.
func (n *ncmecReader) readEntry(start xml.StartElement) error {
	n.record++
	var id, class string
	var prints []ncmecFingerprint
	for {
		se, ok, err := xmlChild(n.dec)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		switch se.Name.Local {
		case "id":
			if id, err = xmlText(n.dec); err != nil {
				return err
			}
		case "classification":
			if class, err = xmlText(n.dec); err != nil {
				return err
			}
		case "fingerprints":
			for {
				fe, ok, err := xmlChild(n.dec)
				if err != nil {
					return err
				}
				if !ok {
					break
				}
				v, err := xmlText(n.dec)
				if err != nil {
					return err
				}
				if len(prints) < 64 {
					prints = append(prints, ncmecFingerprint{strings.ToLower(fe.Name.Local), v})
				}
			}
		default:
			if err := n.dec.Skip(); err != nil {
				return err
			}
		}
	}
	deleted := strings.HasPrefix(start.Name.Local, "deleted")
	proto := newEntry(Unknown, nil, n.record)
	proto.ID, proto.Category, proto.Delete = id, class, deleted
	var errs []error
	if id == "" {
		errs = append(errs, fmt.Errorf("<%s> without an id", start.Name.Local))
	}
	queued := len(n.queue)
	for _, p := range prints {
		var a Algorithm
		switch p.kind {
		case "md5":
			a = MD5
		case "sha1":
			a = SHA1
		case "pdq":
			a = PDQ
		case "pdna":
			n.info.PhotoDNA++
			continue
		default:
			n.unsupported(p.kind)
			continue
		}
		if err := n.pushDigest(proto, a, []byte(p.value)); err != nil {
			errs = append(errs, fmt.Errorf("<%s>: %w", p.kind, err))
		}
	}
	if deleted && len(n.queue) == queued && id != "" {
		// NCMEC deletions name the record, not its digests: the set
		// removes every entry with this ID.
		n.push(proto)
	}
	if len(errs) > 0 {
		n.pending = n.parseError(n.record, fmt.Errorf("<%s> record %d: %w", start.Name.Local, n.record, errors.Join(errs...)))
	}
	return nil
}

func (n *ncmecReader) Close() error { return nil }
