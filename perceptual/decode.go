package perceptual

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
	"golang.org/x/image/webp"
)

// Defaults of DecodeOptions.
const (
	DefaultMaxPixels = 100_000_000
	DefaultMaxBytes  = 1 << 30
)

// Decoding errors. Decode wraps them; test with errors.Is.
var (
	// ErrTooLarge: the image claims more pixels than DecodeOptions.MaxPixels
	// (it is refused before its pixels are allocated), or a TIFF file is
	// longer than DecodeOptions.MaxBytes.
	ErrTooLarge = errors.New("image too large")
	// ErrUnknownFormat: the content is not one of the supported formats.
	ErrUnknownFormat = errors.New("unknown image format")
	// ErrDecoderPanic: a decoder panicked on the input; the panic was
	// recovered.
	ErrDecoderPanic = errors.New("image decoder panicked")
)

// DecodeOptions bounds the resources Decode may use. The zero value gives
// the defaults.
type DecodeOptions struct {
	// MaxPixels refuses images whose width × height exceeds it
	// (default DefaultMaxPixels, 100 megapixels).
	MaxPixels int64
	// MaxBytes bounds how much of a TIFF file is held in memory (TIFF needs
	// random access; default DefaultMaxBytes, 1 GiB). Other formats are
	// streamed.
	MaxBytes int64
}

func (o DecodeOptions) maxPixels() int64 {
	if o.MaxPixels <= 0 {
		return DefaultMaxPixels
	}
	return o.MaxPixels
}

func (o DecodeOptions) maxBytes() int64 {
	if o.MaxBytes <= 0 {
		return DefaultMaxBytes
	}
	return o.MaxBytes
}

// SniffLen is the number of leading bytes Sniff needs to recognise every
// format it knows.
const SniffLen = 18

// Sniff identifies an image format from the first bytes of a file (at
// least SniffLen of them for BMP): "jpeg", "png", "gif", "bmp", "tiff" or
// "webp", the names image.RegisterFormat uses. File names are never
// consulted.
func Sniff(head []byte) (format string, ok bool) {
	switch {
	case len(head) >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF:
		return "jpeg", true
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return "png", true
	case bytes.HasPrefix(head, []byte("GIF87a")), bytes.HasPrefix(head, []byte("GIF89a")):
		return "gif", true
	case bytes.HasPrefix(head, []byte("II*\x00")), bytes.HasPrefix(head, []byte("MM\x00*")):
		return "tiff", true
	case len(head) >= 12 && string(head[:4]) == "RIFF" && string(head[8:12]) == "WEBP":
		return "webp", true
	case len(head) >= 18 && head[0] == 'B' && head[1] == 'M':
		// "BM" alone is too weak: require a known DIB header size.
		switch binary.LittleEndian.Uint32(head[14:18]) {
		case 12, 16, 40, 52, 56, 64, 108, 124:
			return "bmp", true
		}
	}
	return "", false
}

type formatCodec struct {
	config func(io.Reader) (image.Config, error)
	decode func(io.Reader) (image.Image, error)
}

// Each format's decoder is called directly, so Decode does not depend on
// what other packages registered with image.RegisterFormat.
var codecs = map[string]formatCodec{
	"jpeg": {jpeg.DecodeConfig, jpeg.Decode},
	"png":  {png.DecodeConfig, png.Decode},
	"gif":  {gif.DecodeConfig, gif.Decode},
	"bmp":  {bmp.DecodeConfig, bmp.Decode},
	"tiff": {tiff.DecodeConfig, tiff.Decode},
	"webp": {webp.DecodeConfig, webp.Decode},
}

// DecodeConfig sniffs r and returns the image's format and dimensions
// without decoding its pixels.
func DecodeConfig(r io.Reader) (cfg image.Config, format string, err error) {
	head := make([]byte, SniffLen)
	n, err := io.ReadFull(r, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return cfg, "", err
	}
	head = head[:n]
	format, ok := Sniff(head)
	if !ok {
		return cfg, "", ErrUnknownFormat
	}
	defer recoverDecoder(format, &err)
	cfg, err = codecs[format].config(io.MultiReader(bytes.NewReader(head), r))
	if err != nil {
		return cfg, format, fmt.Errorf("%s: %w", format, err)
	}
	return cfg, format, nil
}

func recoverDecoder(format string, err *error) {
	if p := recover(); p != nil {
		*err = fmt.Errorf("%s: %w: %v", format, ErrDecoderPanic, p)
	}
}

// Decode reads one image from r. It sniffs the format from the content,
// reads the dimensions first and refuses an image of more than
// opts.MaxPixels pixels before allocating it (ErrTooLarge), and one under
// MinDimension pixels on a side (ErrTooSmall). A corrupt image is an error;
// a decoder panic is recovered into an error wrapping ErrDecoderPanic.
// It returns the image and its format name.
//
// Pixels are returned as stored: EXIF orientation is not applied, since
// PDQ hashes the stored pixels (docs/pdq.md §1.1). For GIF the first frame
// is returned.
func Decode(r io.Reader, opts DecodeOptions) (img image.Image, format string, err error) {
	head := make([]byte, SniffLen)
	n, err := io.ReadFull(r, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, "", err
	}
	head = head[:n]
	format, ok := Sniff(head)
	if !ok {
		return nil, "", ErrUnknownFormat
	}
	codec := codecs[format]
	defer recoverDecoder(format, &err)

	// The rest of the stream is read twice: once for the header, once for
	// the pixels. TIFF needs random access, so it is held in memory
	// (bounded); other formats replay what the header read consumed.
	var configSrc io.Reader
	var pixelSrc func() io.Reader
	if format == "tiff" {
		limit := opts.maxBytes()
		var buf bytes.Buffer
		buf.Write(head)
		if _, err := buf.ReadFrom(io.LimitReader(r, limit-int64(len(head))+1)); err != nil {
			return nil, format, err
		}
		if int64(buf.Len()) > limit {
			return nil, format, fmt.Errorf("%s: file over %d bytes: %w", format, limit, ErrTooLarge)
		}
		data := buf.Bytes()
		configSrc = bytes.NewReader(data)
		pixelSrc = func() io.Reader { return bytes.NewReader(data) }
	} else {
		var seen bytes.Buffer
		seen.Write(head)
		configSrc = io.MultiReader(bytes.NewReader(head), io.TeeReader(r, &seen))
		pixelSrc = func() io.Reader { return io.MultiReader(&seen, r) }
	}

	cfg, err := codec.config(configSrc)
	if err != nil {
		return nil, format, fmt.Errorf("%s: %w", format, err)
	}
	if err := checkSize(cfg.Width, cfg.Height, opts.maxPixels()); err != nil {
		return nil, format, fmt.Errorf("%s: %w", format, err)
	}
	img, err = codec.decode(pixelSrc())
	if err != nil {
		return nil, format, fmt.Errorf("%s: %w", format, err)
	}
	b := img.Bounds()
	if err := checkSize(b.Dx(), b.Dy(), opts.maxPixels()); err != nil {
		return nil, format, fmt.Errorf("%s: decoded: %w", format, err)
	}
	return img, format, nil
}

func checkSize(w, h int, maxPixels int64) error {
	if w <= 0 || h <= 0 {
		return fmt.Errorf("invalid dimensions %dx%d", w, h)
	}
	if int64(w) > maxPixels || int64(h) > maxPixels || int64(w)*int64(h) > maxPixels {
		return fmt.Errorf("%dx%d pixels, limit %d: %w", w, h, maxPixels, ErrTooLarge)
	}
	if w < MinDimension || h < MinDimension {
		return fmt.Errorf("%dx%d pixels: %w", w, h, ErrTooSmall)
	}
	return nil
}
