package perceptual

// The PDQ core, following docs/pdq.md §2. Every buffer and every operation
// is float32 in the reference's order; products are wrapped in explicit
// float32 conversions so that the compiler may not fuse them into a
// multiply-add (which would round differently).
//
// The reference blurs the whole luma image four times (rows, columns, rows,
// columns) into full-size buffers and then samples 64×64 values. Here the
// four passes are streamed row by row: each value is computed with exactly
// the same sequence of float32 operations, but only a window of rows is
// kept, and the last two passes compute only what the 64×64 sampling reads.

import (
	"image"
	"math"
	"slices"
)

const (
	pdqDownsampleDims = 512 // the reference CLI's pre-resize target
	pdqBufDim         = 64  // the Jarosz filter's target size
	pdqDCTDim         = 16
)

// Luma coefficients as float32 constants (§2.1); a table of the products
// gives the same bits as multiplying per pixel.
var lumaR, lumaG, lumaB = lumaTable(0.299), lumaTable(0.587), lumaTable(0.114)

func lumaTable(c float64) *[256]float32 {
	var t [256]float32
	c32 := float32(c)
	for v := range t {
		t[v] = float32(c32 * float32(v))
	}
	return &t
}

// dctMatrix is the 16×64 DCT-II matrix without the DC row (§2.7).
var dctMatrix = makeDCTMatrix()

func makeDCTMatrix() *[pdqDCTDim][pdqBufDim]float32 {
	var d [pdqDCTDim][pdqBufDim]float32
	scale := float64(float32(math.Sqrt(2.0 / 64.0)))
	base := math.Pi / 2 / 64 // exact in binary: π/2 and /64 are powers of two
	for i := range pdqDCTDim {
		for k := range pdqBufDim {
			arg := base * float64(i+1)
			arg *= float64(2*k + 1)
			d[i][k] = float32(scale * math.Cos(arg))
		}
	}
	return &d
}

// jaroszWindow is the box-filter window for a dimension (§2.4).
func jaroszWindow(oldDim int) int {
	return (oldDim + 2*pdqBufDim - 1) / (2 * pdqBufDim)
}

// boxCount returns the number of samples in output t's clipped window for a
// vector of length n, window w and forward half-window h.
func boxCount(t, n, w, h int) int {
	lo, hi := t-(w-h), t+h-1
	if lo < 0 {
		lo = 0
	}
	if hi > n-1 {
		hi = n - 1
	}
	return hi - lo + 1
}

// boxSums writes into s the reference's float32 running sum after each
// output step of the 1-D box filter of x with window w (§2.4): output t
// equals s[t] / boxCount(t).
func boxSums(x, s []float32, w int) {
	n := len(x)
	s = s[:n]
	h := (w + 2) / 2
	var sum float32
	for _, v := range x[:h-1] {
		sum += v
	}
	t := 0
	for _, v := range x[h-1 : w] {
		sum += v
		s[t] = sum
		t++
	}
	// Full window: add the newest sample first, then drop the oldest.
	newest, oldest, out := x[w:], x[:n-w], s[t:t+n-w]
	for i, v := range newest {
		sum += v
		sum -= oldest[i]
		out[i] = sum
	}
	t += n - w
	for i, v := range x[n-w : n-w+(n-t)] {
		sum -= v
		s[t+i] = sum
	}
}

// boxRow filters x into y (not x itself) with window w.
func boxRow(x, y []float32, w int) {
	boxSums(x, y, w)
	divideSums(y[:len(x)], w)
}

// divideSums turns running sums into means: output t is s[t] divided by
// the number of samples in its window.
func divideSums(y []float32, w int) {
	n := len(y)
	h := (w + 2) / 2
	first, last := w-h, n-h // outputs with a full window: [first+1, last]
	for t := 0; t <= first && t < n; t++ {
		y[t] /= float32(boxCount(t, n, w, h))
	}
	fw := float32(w)
	if first+1 <= last {
		mid := y[first+1 : last+1]
		for t := range mid {
			mid[t] /= fw
		}
	}
	for t := max(last+1, first+1); t < n; t++ {
		y[t] /= float32(boxCount(t, n, w, h))
	}
}

// boxRowAt filters x with window w but writes only the outputs at the given
// indexes: dst[j] = output cols[j]. sums is scratch of len(x).
func boxRowAt(x, sums []float32, w int, cols []int, dst []float32) {
	n := len(x)
	h := (w + 2) / 2
	boxSums(x, sums, w)
	for j, c := range cols {
		dst[j] = sums[c] / float32(boxCount(c, n, w, h))
	}
}

// rowBatch is how many rows the row filters process together. A running
// sum is a chain of dependent float32 additions; interleaving independent
// rows hides that latency without changing any row's operations.
const rowBatch = 4

// boxSums4 is boxSums on four rows of equal length at once.
func boxSums4(x *[rowBatch][]float32, s *[rowBatch][]float32, w int) {
	n := len(x[0])
	x0, x1, x2, x3 := x[0][:n], x[1][:n], x[2][:n], x[3][:n]
	s0, s1, s2, s3 := s[0][:n], s[1][:n], s[2][:n], s[3][:n]
	h := (w + 2) / 2
	var a0, a1, a2, a3 float32
	i := 0
	for ; i < h-1; i++ {
		a0 += x0[i]
		a1 += x1[i]
		a2 += x2[i]
		a3 += x3[i]
	}
	t := 0
	for ; i < w; i++ {
		a0 += x0[i]
		a1 += x1[i]
		a2 += x2[i]
		a3 += x3[i]
		s0[t], s1[t], s2[t], s3[t] = a0, a1, a2, a3
		t++
	}
	for ; i < n; i++ {
		o := i - w
		a0 += x0[i]
		a0 -= x0[o]
		a1 += x1[i]
		a1 -= x1[o]
		a2 += x2[i]
		a2 -= x2[o]
		a3 += x3[i]
		a3 -= x3[o]
		s0[t], s1[t], s2[t], s3[t] = a0, a1, a2, a3
		t++
	}
	for o := n - w; t < n; o++ {
		a0 -= x0[o]
		a1 -= x1[o]
		a2 -= x2[o]
		a3 -= x3[o]
		s0[t], s1[t], s2[t], s3[t] = a0, a1, a2, a3
		t++
	}
}

// boxRows filters rows x[k] into y[k] (k < count) with window w, like
// boxRow on each.
func boxRows(x, y *[rowBatch][]float32, count, w int) {
	if count < rowBatch {
		for k := range count {
			boxRow(x[k], y[k], w)
		}
		return
	}
	boxSums4(x, y, w)
	for k := range rowBatch {
		divideSums(y[k], w)
	}
}

// boxRowsAt is boxRowAt on rows x[k] (k < count) into dst[k]; sums is
// scratch.
func boxRowsAt(x, sums *[rowBatch][]float32, count, w int, cols []int, dst *[rowBatch][]float32) {
	if count < rowBatch {
		for k := range count {
			boxRowAt(x[k], sums[k], w, cols, dst[k])
		}
		return
	}
	boxSums4(x, sums, w)
	n := len(x[0])
	h := (w + 2) / 2
	for k := range rowBatch {
		sk, dk := sums[k], dst[k]
		for j, c := range cols {
			dk[j] = sk[c] / float32(boxCount(c, n, w, h))
		}
	}
}

// colBox is the 1-D box filter applied down every column at once, fed one
// row at a time. Each column sees exactly the reference's sequence of
// float32 additions, subtractions and divisions.
type colBox struct {
	w, h, n int         // window, forward half-window, number of rows
	ring    [][]float32 // the last w+rowBatch input rows
	sum     []float32
	out     []float32
	in      int // rows pushed
	old     int // oldest row still in the sum
	count   int
}

func (b *colBox) reset(width, w, n int) {
	b.w, b.h, b.n = w, (w+2)/2, n
	if cap(b.sum) < width {
		b.sum = make([]float32, width)
		b.out = make([]float32, width)
	}
	b.sum, b.out = b.sum[:width], b.out[:width]
	clear(b.sum)
	// Pushing row r subtracts row r-w, so w+1 rows suffice when rows are
	// written one at a time; rowBatch-1 more let a batch be written ahead.
	if len(b.ring) < w+rowBatch {
		b.ring = append(b.ring, make([][]float32, w+rowBatch-len(b.ring))...)
	}
	b.ring = b.ring[:w+rowBatch]
	for i := range b.ring {
		if cap(b.ring[i]) < width {
			b.ring[i] = make([]float32, width)
		}
		b.ring[i] = b.ring[i][:width]
	}
	b.in, b.old, b.count = 0, 0, 0
}

// slot returns the buffer input row in+k must be written into, for
// k < rowBatch; rows are then pushed in order.
func (b *colBox) slot(k int) []float32 { return b.ring[(b.in+k)%len(b.ring)] }

// push consumes the row written into slot() and returns the next output
// row, or nil while the filter is still filling.
func (b *colBox) push() []float32 {
	x := b.ring[b.in%len(b.ring)]
	b.in++
	sum := b.sum
	switch {
	case b.in <= b.h-1: // first h-1 samples: accumulate only
		b.count++
		for j, v := range x {
			sum[j] += v
		}
		return nil
	case b.in <= b.w: // window growing
		b.count++
		c := float32(b.count)
		out := b.out
		for j, v := range x {
			s := sum[j] + v
			sum[j] = s
			out[j] = s / c
		}
		return out
	default: // full window: add the new sample first, then drop the oldest
		o := b.ring[b.old%len(b.ring)]
		b.old++
		c := float32(b.count)
		out := b.out[:len(x)]
		o = o[:len(x)]
		sum = sum[:len(x)]
		for j, v := range x {
			s := sum[j] + v
			s -= o[j]
			sum[j] = s
			out[j] = s / c
		}
		return out
	}
}

// drain returns one of the last h-1 output rows, after all n rows were
// pushed.
func (b *colBox) drain() []float32 {
	o := b.ring[b.old%len(b.ring)]
	b.old++
	b.count--
	c := float32(b.count)
	sum, out := b.sum, b.out[:len(b.sum)]
	o = o[:len(sum)]
	for j := range sum {
		s := sum[j] - o[j]
		sum[j] = s
		out[j] = s / c
	}
	return out
}

// hasher holds the scratch buffers of one hash computation.
type hasher struct {
	pix       []byte    // one row of stored pixels
	sampled   []byte    // the CLI-512 columns of one row
	luma      []float32 // one row of luma
	lumaRows  [rowBatch][]float32
	mid       [rowBatch][]float32 // pass-1 output rows awaiting pass 2
	sums      [rowBatch][]float32 // scratch for boxRowsAt
	pass1     colBox
	pass2     colBox
	buf64     [pdqBufDim][pdqBufDim]float32
	xs, ys    []int // CLI-512 source coordinates, or nil
	xsBuf     []int
	ysBuf     []int
	sampleCol [pdqBufDim]int
	sampleRow [pdqBufDim]int
}

func (hs *hasher) hash(img image.Image, mode PDQMode, dihedral bool) PDQResult {
	p := newPixelRows(img)
	width, height := p.rect.Dx(), p.rect.Dy()
	hs.pix = grow(hs.pix, 3*width)
	grey := p.allGrey(hs.pix)

	cols, rows := width, height
	hs.xs, hs.ys = nil, nil
	if mode == PDQ512 && (width > pdqDownsampleDims || height > pdqDownsampleDims) {
		// Nearest neighbour to exactly 512×512, top-left aligned (§1.2).
		cols, rows = pdqDownsampleDims, pdqDownsampleDims
		hs.xsBuf, hs.ysBuf = grow(hs.xsBuf, cols), grow(hs.ysBuf, rows)
		hs.xs, hs.ys = hs.xsBuf, hs.ysBuf
		for i := range cols {
			hs.xs[i] = i * width / pdqDownsampleDims
			hs.ys[i] = i * height / pdqDownsampleDims
		}
	}
	hs.luma = grow(hs.luma, cols)

	if !dihedral && rows == pdqBufDim && cols == pdqBufDim {
		// §2.3: 64×64 input is used as is, without the blur.
		for y := range rows {
			hs.lumaRow(p, y, grey, hs.luma)
			copy(hs.buf64[y][:], hs.luma)
		}
	} else {
		hs.blurAndSample(p, rows, cols, grey)
	}

	quality := pdqQuality(&hs.buf64)
	var dct [pdqDCTDim][pdqDCTDim]float32
	dct16(&hs.buf64, &dct)
	res := PDQResult{Hash: thresholdHash(&dct), Quality: quality}
	if dihedral {
		var d [8]PDQHash
		for v := range d {
			var b [pdqDCTDim][pdqDCTDim]float32
			dihedralBlock(&dct, v, &b)
			d[v] = thresholdHash(&b)
		}
		res.Hash = d[0]
		res.Dihedral = &d
	}
	return res
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// lumaRow fills dst with the luma of (possibly resampled) row y.
func (hs *hasher) lumaRow(p *pixelRows, y int, grey bool, dst []float32) {
	sy := y
	if hs.ys != nil {
		sy = hs.ys[y]
	}
	pix := hs.pix
	if hs.xs == nil {
		p.row(sy, pix)
	} else {
		// CLI-512: fetch only the sampled columns.
		hs.sampled = grow(hs.sampled, 3*len(hs.xs))
		p.rowAt(sy, hs.xs, hs.sampled, pix)
		pix = hs.sampled
	}
	switch {
	case p.channels == 1:
		for x := range dst {
			dst[x] = float32(pix[x])
		}
	case grey:
		for x := range dst {
			dst[x] = float32(pix[3*x])
		}
	default:
		pix = pix[:3*len(dst)]
		for x := range dst {
			px := pix[3*x : 3*x+3 : 3*x+3]
			dst[x] = (lumaR[px[0]] + lumaG[px[1]]) + lumaB[px[2]]
		}
	}
}

// blurAndSample runs the two Jarosz passes (rows, columns, rows, columns)
// and keeps the 64×64 samples at block centres (§2.4–2.5).
func (hs *hasher) blurAndSample(p *pixelRows, rows, cols int, grey bool) {
	wx, wy := jaroszWindow(cols), jaroszWindow(rows)
	for i := range pdqBufDim {
		// ⌊(i + 0.5)·n / 64⌋ in integers.
		hs.sampleRow[i] = (2*i + 1) * rows / (2 * pdqBufDim)
		hs.sampleCol[i] = (2*i + 1) * cols / (2 * pdqBufDim)
	}
	for k := range rowBatch {
		hs.lumaRows[k] = grow(hs.lumaRows[k], cols)
		hs.mid[k] = grow(hs.mid[k], cols)
		hs.sums[k] = grow(hs.sums[k], cols)
	}
	hs.pass1.reset(cols, wy, rows)
	hs.pass2.reset(pdqBufDim, wy, rows)
	outRow, nextSample := 0, 0
	var slots [rowBatch][]float32

	collect := func(out []float32) {
		for nextSample < pdqBufDim && hs.sampleRow[nextSample] == outRow {
			copy(hs.buf64[nextSample][:], out)
			nextSample++
		}
		outRow++
	}
	// Pass 2, rows, on a batch of pass-1 output rows: only the 64 sampled
	// columns are ever read, so only they are divided and kept.
	midCount := 0
	flushMid := func() {
		for k := range midCount {
			slots[k] = hs.pass2.slot(k)
		}
		boxRowsAt(&hs.mid, &hs.sums, midCount, wx, hs.sampleCol[:], &slots)
		for range midCount {
			if out := hs.pass2.push(); out != nil {
				collect(out)
			}
		}
		midCount = 0
	}
	second := func(row []float32) {
		copy(hs.mid[midCount], row)
		midCount++
		if midCount == rowBatch {
			flushMid()
		}
	}
	// Pass 1: rows filtered in batches, then pushed down the columns.
	for y := 0; y < rows; y += rowBatch {
		count := min(rowBatch, rows-y)
		for k := range count {
			hs.lumaRow(p, y+k, grey, hs.lumaRows[k])
			slots[k] = hs.pass1.slot(k)
		}
		boxRows(&hs.lumaRows, &slots, count, wx)
		for range count {
			if out := hs.pass1.push(); out != nil {
				second(out)
			}
		}
	}
	for range hs.pass1.h - 1 {
		second(hs.pass1.drain())
	}
	flushMid()
	for range hs.pass2.h - 1 {
		collect(hs.pass2.drain())
	}
}

// pdqQuality is the gradient-based quality metric (§2.6).
func pdqQuality(a *[pdqBufDim][pdqBufDim]float32) int {
	sum := 0
	for i := 0; i < pdqBufDim-1; i++ {
		for j := range pdqBufDim {
			sum += absInt(gradientStep(a[i][j], a[i+1][j]))
		}
	}
	for i := range pdqBufDim {
		for j := 0; j < pdqBufDim-1; j++ {
			sum += absInt(gradientStep(a[i][j], a[i][j+1]))
		}
	}
	return min(sum/90, 100)
}

func gradientStep(u, v float32) int {
	d := u - v
	d = float32(d * 100)
	d /= 255
	return int(d) // truncates toward zero
}

func absInt(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// dct16 computes B = D·A·Dᵀ keeping 16×16 (§2.8): sequential float32 sums
// in ascending k, every product rounded before it is added.
func dct16(a *[pdqBufDim][pdqBufDim]float32, b *[pdqDCTDim][pdqDCTDim]float32) {
	d := dctMatrix
	var t [pdqDCTDim][pdqBufDim]float32
	for i := range pdqDCTDim {
		ti := &t[i]
		for k := range pdqBufDim {
			dik := d[i][k]
			ak := &a[k]
			for j := range pdqBufDim {
				ti[j] += float32(dik * ak[j])
			}
		}
	}
	for i := range pdqDCTDim {
		ti := &t[i]
		for j := range pdqDCTDim {
			dj := &d[j]
			var s float32
			for k := range pdqBufDim {
				s += float32(ti[k] * dj[k])
			}
			b[i][j] = s
		}
	}
}

// thresholdHash sets bit 16i+j where b[i][j] is strictly greater than the
// median, the 128th smallest value (what Torben's method returns, §2.9).
func thresholdHash(b *[pdqDCTDim][pdqDCTDim]float32) PDQHash {
	var sorted [pdqDCTDim * pdqDCTDim]float32
	for i := range pdqDCTDim {
		copy(sorted[i*pdqDCTDim:], b[i][:])
	}
	slices.Sort(sorted[:])
	median := sorted[len(sorted)/2-1]
	var h PDQHash
	for i := range pdqDCTDim {
		for j := range pdqDCTDim {
			if b[i][j] > median {
				k := i*pdqDCTDim + j
				h[31-k/8] |= 1 << (k % 8)
			}
		}
	}
	return h
}

// dihedralBlock derives the DCT block of a rotated or mirrored image from
// the original's (§2.10): odd frequencies (even 0-based indexes) change sign
// under reflection, and a transpose swaps the axes.
func dihedralBlock(b *[pdqDCTDim][pdqDCTDim]float32, variant int, out *[pdqDCTDim][pdqDCTDim]float32) {
	for i := range pdqDCTDim {
		for j := range pdqDCTDim {
			v := b[i][j]
			var neg, transpose bool
			switch variant {
			case DihedralOriginal:
			case DihedralRot90:
				transpose, neg = true, j%2 == 0
			case DihedralRot180:
				neg = (i+j)%2 == 1
			case DihedralRot270:
				transpose, neg = true, i%2 == 0
			case DihedralFlipX:
				neg = i%2 == 0
			case DihedralFlipY:
				neg = j%2 == 0
			case DihedralFlipPlus1:
				transpose = true
			case DihedralFlipMinus1:
				transpose, neg = true, (i+j)%2 == 1
			}
			if neg {
				v = -v
			}
			if transpose {
				out[j][i] = v
			} else {
				out[i][j] = v
			}
		}
	}
}
