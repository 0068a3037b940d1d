// Adler-32 block sums with AVX2; see adlerBlocksAVX2 in adler_amd64.go.

#include "textflag.h"

// Byte weights of a 64-byte block: 64, 63, …, 1.
DATA adlerWeights<>+0(SB)/8, $0x393a3b3c3d3e3f40
DATA adlerWeights<>+8(SB)/8, $0x3132333435363738
DATA adlerWeights<>+16(SB)/8, $0x292a2b2c2d2e2f30
DATA adlerWeights<>+24(SB)/8, $0x2122232425262728
DATA adlerWeights<>+32(SB)/8, $0x191a1b1c1d1e1f20
DATA adlerWeights<>+40(SB)/8, $0x1112131415161718
DATA adlerWeights<>+48(SB)/8, $0x090a0b0c0d0e0f10
DATA adlerWeights<>+56(SB)/8, $0x0102030405060708
GLOBL adlerWeights<>(SB), RODATA|NOPTR, $64

// Sixteen 16-bit ones, for VPMADDWD to add pairs of 16-bit lanes.
DATA adlerOnes<>+0(SB)/8, $0x0001000100010001
DATA adlerOnes<>+8(SB)/8, $0x0001000100010001
DATA adlerOnes<>+16(SB)/8, $0x0001000100010001
DATA adlerOnes<>+24(SB)/8, $0x0001000100010001
GLOBL adlerOnes<>(SB), RODATA|NOPTR, $32

// func adlerBlocksAVX2(p []byte) (sum, weighted uint64)
TEXT ·adlerBlocksAVX2(SB), NOSPLIT, $0-40
	MOVQ p_base+0(FP), SI
	MOVQ p_len+8(FP), CX
	SHRQ $6, CX                  // number of 64-byte blocks

	VPXOR   Y0, Y0, Y0           // zero, for VPSADBW
	VPXOR   Y1, Y1, Y1           // running plain sum, 4 x uint64
	VPXOR   Y2, Y2, Y2           // Σ of Y1 before each block, 4 x uint64
	VPXOR   Y3, Y3, Y3           // weighted sums, 8 x uint32
	VMOVDQU adlerWeights<>+0(SB), Y4  // weights 64…33
	VMOVDQU adlerWeights<>+32(SB), Y5 // weights 32…1
	VMOVDQU adlerOnes<>(SB), Y6

loop:
	VMOVDQU (SI), Y7
	VMOVDQU 32(SI), Y8
	VPADDQ  Y1, Y2, Y2           // the bytes so far count 64 more times each

	VPSADBW Y0, Y7, Y9           // plain sums of each 8 bytes
	VPSADBW Y0, Y8, Y10
	VPADDQ  Y9, Y1, Y1
	VPADDQ  Y10, Y1, Y1

	VPMADDUBSW Y4, Y7, Y7        // b·w of byte pairs, added: ≤ 255·127
	VPMADDUBSW Y5, Y8, Y8
	VPMADDWD   Y6, Y7, Y7        // pairs of those, added, in 32-bit lanes
	VPMADDWD   Y6, Y8, Y8
	VPADDD     Y7, Y3, Y3
	VPADDD     Y8, Y3, Y3

	ADDQ $64, SI
	DECQ CX
	JNZ  loop

	// sum = horizontal sum of Y1.
	VEXTRACTI128 $1, Y1, X9
	VPADDQ       X9, X1, X1
	VPSHUFD      $0x4e, X1, X9
	VPADDQ       X9, X1, X1
	VMOVQ        X1, AX
	MOVQ         AX, sum+24(FP)

	// weighted = 64·(horizontal sum of Y2) + horizontal sum of Y3.
	VPSLLQ       $6, Y2, Y2
	VPMOVZXDQ    X3, Y9
	VEXTRACTI128 $1, Y3, X10
	VPMOVZXDQ    X10, Y10
	VPADDQ       Y9, Y2, Y2
	VPADDQ       Y10, Y2, Y2
	VEXTRACTI128 $1, Y2, X9
	VPADDQ       X9, X2, X2
	VPSHUFD      $0x4e, X2, X9
	VPADDQ       X9, X2, X2
	VMOVQ        X2, AX
	MOVQ         AX, weighted+32(FP)

	VZEROUPPER
	RET
