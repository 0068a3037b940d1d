package perceptual

import (
	"image"
	"image/color"
)

// pixelRows reads an image's stored 8-bit colour one row at a time, without
// a per-pixel interface call for the image types decoders return. Alpha is
// ignored: the straight colour is used, as the reference does.
type pixelRows struct {
	img      image.Image
	rect     image.Rectangle
	channels int          // 1 for single-channel (grey) images, else 3
	palette  [256][3]byte // *image.Paletted colours, straight RGB
}

func newPixelRows(img image.Image) *pixelRows {
	p := &pixelRows{img: img, rect: img.Bounds(), channels: 3}
	switch m := img.(type) {
	case *image.Gray, *image.Gray16:
		p.channels = 1
	case *image.Paletted:
		for i, c := range m.Palette {
			if i >= len(p.palette) {
				break
			}
			if c == nil {
				continue
			}
			n := color.NRGBAModel.Convert(c).(color.NRGBA)
			p.palette[i] = [3]byte{n.R, n.G, n.B}
		}
	}
	return p
}

// row fills dst (channels × width bytes) with row y, counted from the top
// of the image's bounds.
func (p *pixelRows) row(y int, dst []byte) {
	w := p.rect.Dx()
	y += p.rect.Min.Y
	switch m := p.img.(type) {
	case *image.Gray:
		i := m.PixOffset(p.rect.Min.X, y)
		copy(dst[:w], m.Pix[i:i+w])
	case *image.Gray16:
		i := m.PixOffset(p.rect.Min.X, y)
		src := m.Pix[i : i+2*w]
		for x := range w {
			dst[x] = src[2*x] // high byte of the big-endian sample
		}
	case *image.RGBA:
		i := m.PixOffset(p.rect.Min.X, y)
		rgbaRow(m.Pix[i:i+4*w], dst[:3*w])
	case *image.NRGBA:
		i := m.PixOffset(p.rect.Min.X, y)
		rgbaRow(m.Pix[i:i+4*w], dst[:3*w])
	case *image.RGBA64:
		i := m.PixOffset(p.rect.Min.X, y)
		rgba64Row(m.Pix[i:i+8*w], dst[:3*w])
	case *image.NRGBA64:
		i := m.PixOffset(p.rect.Min.X, y)
		rgba64Row(m.Pix[i:i+8*w], dst[:3*w])
	case *image.YCbCr:
		if !ycbcrRow(m, y, dst[:3*w]) {
			p.genericRow(y, dst)
		}
	case *image.NYCbCrA:
		if !ycbcrRow(&m.YCbCr, y, dst[:3*w]) {
			p.genericRow(y, dst)
		}
	case *image.Paletted:
		i := m.PixOffset(p.rect.Min.X, y)
		src := m.Pix[i : i+w]
		d := dst[:3*w]
		for x, c := range src {
			e := &p.palette[c]
			d[3*x], d[3*x+1], d[3*x+2] = e[0], e[1], e[2]
		}
	case *image.CMYK:
		i := m.PixOffset(p.rect.Min.X, y)
		src := m.Pix[i : i+4*w]
		d := dst[:3*w]
		for x := range w {
			d[3*x], d[3*x+1], d[3*x+2] = color.CMYKToRGB(src[4*x], src[4*x+1], src[4*x+2], src[4*x+3])
		}
	default:
		p.genericRow(y, dst)
	}
}

// rowAt fills dst (channels × len(xs) bytes) with the pixels of row y at
// the columns xs (counted from the left of the bounds), for the CLI-512
// resize. full is scratch for a whole row (channels × width bytes).
func (p *pixelRows) rowAt(y int, xs []int, dst, full []byte) {
	yy := y + p.rect.Min.Y
	x0 := p.rect.Min.X
	switch m := p.img.(type) {
	case *image.Gray:
		i := m.PixOffset(x0, yy)
		row := m.Pix[i : i+p.rect.Dx()]
		for j, x := range xs {
			dst[j] = row[x]
		}
		return
	case *image.RGBA:
		i := m.PixOffset(x0, yy)
		sampleRGBA(m.Pix[i:i+4*p.rect.Dx()], xs, dst)
		return
	case *image.NRGBA:
		i := m.PixOffset(x0, yy)
		sampleRGBA(m.Pix[i:i+4*p.rect.Dx()], xs, dst)
		return
	case *image.YCbCr:
		if ycbcrRowAt(m, yy, xs, dst) {
			return
		}
	case *image.NYCbCrA:
		if ycbcrRowAt(&m.YCbCr, yy, xs, dst) {
			return
		}
	}
	p.row(y, full)
	c := p.channels
	for j, x := range xs {
		copy(dst[c*j:c*j+c], full[c*x:c*x+c])
	}
}

func sampleRGBA(src []byte, xs []int, dst []byte) {
	for j, x := range xs {
		s := src[4*x : 4*x+3 : 4*x+3]
		d := dst[3*j : 3*j+3 : 3*j+3]
		d[0], d[1], d[2] = s[0], s[1], s[2]
	}
}

// genericRow is the slow path for other image types: one At call per pixel.
func (p *pixelRows) genericRow(y int, dst []byte) {
	w := p.rect.Dx()
	for x := range w {
		c := p.img.At(p.rect.Min.X+x, y)
		var n color.NRGBA
		if c != nil {
			n = color.NRGBAModel.Convert(c).(color.NRGBA)
		}
		dst[3*x], dst[3*x+1], dst[3*x+2] = n.R, n.G, n.B
	}
}

func rgbaRow(src, dst []byte) {
	for x := 0; x < len(dst)/3; x++ {
		s := src[4*x : 4*x+3 : 4*x+3]
		d := dst[3*x : 3*x+3 : 3*x+3]
		d[0], d[1], d[2] = s[0], s[1], s[2]
	}
}

func rgba64Row(src, dst []byte) {
	for x := 0; x < len(dst)/3; x++ {
		dst[3*x], dst[3*x+1], dst[3*x+2] = src[8*x], src[8*x+2], src[8*x+4]
	}
}

// ycbcrRowAt is ycbcrRow for the columns xs only.
func ycbcrRowAt(m *image.YCbCr, y int, xs []int, dst []byte) bool {
	dx, dy := ycbcrSubsampling(m.SubsampleRatio)
	if dx == 0 {
		return false
	}
	x0 := m.Rect.Min.X
	yi := m.YOffset(x0, y)
	crow := (y/dy - m.Rect.Min.Y/dy) * m.CStride
	cbase := x0 / dx
	for j, x := range xs {
		ci := crow + (x0+x)/dx - cbase
		dst[3*j], dst[3*j+1], dst[3*j+2] = color.YCbCrToRGB(m.Y[yi+x], m.Cb[ci], m.Cr[ci])
	}
	return true
}

// ycbcrSubsampling returns the chroma subsampling factors, or 0, 0 for an
// unknown ratio.
func ycbcrSubsampling(r image.YCbCrSubsampleRatio) (dx, dy int) {
	switch r {
	case image.YCbCrSubsampleRatio444:
		return 1, 1
	case image.YCbCrSubsampleRatio422:
		return 2, 1
	case image.YCbCrSubsampleRatio420:
		return 2, 2
	case image.YCbCrSubsampleRatio440:
		return 1, 2
	case image.YCbCrSubsampleRatio411:
		return 4, 1
	case image.YCbCrSubsampleRatio410:
		return 4, 2
	}
	return 0, 0
}

// ycbcrRow converts one row with the standard library's YCbCr→RGB rounding
// (what image.YCbCr.At gives). It reports false for an unknown subsampling.
func ycbcrRow(m *image.YCbCr, y int, dst []byte) bool {
	dx, dy := ycbcrSubsampling(m.SubsampleRatio)
	if dx == 0 {
		return false
	}
	w := len(dst) / 3
	x0 := m.Rect.Min.X
	yi := m.YOffset(x0, y)
	ys := m.Y[yi : yi+w]
	crow := (y/dy - m.Rect.Min.Y/dy) * m.CStride
	cbase := x0 / dx
	if dx == 1 {
		cb := m.Cb[crow : crow+w]
		cr := m.Cr[crow : crow+w]
		for x := range w {
			dst[3*x], dst[3*x+1], dst[3*x+2] = color.YCbCrToRGB(ys[x], cb[x], cr[x])
		}
		return true
	}
	if x0 >= 0 {
		// Non-negative coordinates: the chroma column is a shift, not an
		// integer division per pixel.
		shift := uint(1)
		if dx == 4 {
			shift = 2
		}
		for x := range w {
			ci := crow + (x0+x)>>shift - cbase
			dst[3*x], dst[3*x+1], dst[3*x+2] = color.YCbCrToRGB(ys[x], m.Cb[ci], m.Cr[ci])
		}
		return true
	}
	for x := range w {
		ci := crow + (x0+x)/dx - cbase
		dst[3*x], dst[3*x+1], dst[3*x+2] = color.YCbCrToRGB(ys[x], m.Cb[ci], m.Cr[ci])
	}
	return true
}

// allGrey reports whether every pixel has R = G = B. The reference CLI
// hashes such images as single-channel (ImageMagick writes them as PGM),
// which matters in the last float bit. Colour images usually stop at the
// first row.
func (p *pixelRows) allGrey(buf []byte) bool {
	if p.channels == 1 {
		return true
	}
	w := p.rect.Dx()
	for y := 0; y < p.rect.Dy(); y++ {
		p.row(y, buf)
		d := buf[:3*w]
		for x := 0; x < len(d); x += 3 {
			if d[x] != d[x+1] || d[x+1] != d[x+2] {
				return false
			}
		}
	}
	return true
}
