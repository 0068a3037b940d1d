// The fast loop of the inflater with BMI2; see fastSymbolsBMI2 in
// inflate_amd64.go and fastSymbolsGeneric in inflate.go, whose checks it
// repeats and whose output it gives for every valid stream. (Of a damaged
// one it may decode a literal more or less before stopping: it checks
// once for two literals of 8 or 9 bits.)

#include "textflag.h"

// For a match at distance d < 8: the multiplier that repeats its first d
// bytes across a word (shortRepeat<>+8·d), and how far each store of that
// word may advance, the largest multiple of d not above 8 (shortStep<>+8·d).
DATA shortRepeat<>+0(SB)/8, $0
DATA shortRepeat<>+8(SB)/8, $0x0101010101010101
DATA shortRepeat<>+16(SB)/8, $0x0001000100010001
DATA shortRepeat<>+24(SB)/8, $0x0001000001000001
DATA shortRepeat<>+32(SB)/8, $0x0000000100000001
DATA shortRepeat<>+40(SB)/8, $0x0000010000000001
DATA shortRepeat<>+48(SB)/8, $0x0001000000000001
DATA shortRepeat<>+56(SB)/8, $0x0100000000000001
GLOBL shortRepeat<>(SB), RODATA|NOPTR, $64

DATA shortStep<>+0(SB)/8, $8
DATA shortStep<>+8(SB)/8, $8
DATA shortStep<>+16(SB)/8, $8
DATA shortStep<>+24(SB)/8, $6
DATA shortStep<>+32(SB)/8, $8
DATA shortStep<>+40(SB)/8, $5
DATA shortStep<>+48(SB)/8, $6
DATA shortStep<>+56(SB)/8, $7
GLOBL shortStep<>(SB), RODATA|NOPTR, $64

// Registers:
//	AX  literal/length table      BX  distance table
//	DI  output pointer (dst+out)  R13 dst's start   R12 last output pointer with fastRoom left
//	SI  input pointer (src+pos)   R11 last input pointer with 8 bytes left
//	R8  bit buffer                R9  bits in it
//	CX, DX, R10, R14 scratch (R10 the length, R14 the distance of a match)
//
// func fastSymbolsBMI2(lit, dist []uint32, dst []byte, out int, src []byte, pos int, bits uint64, n uint) (outEnd, posEnd int, bitsEnd uint64, nEnd uint, stop, distance int)
TEXT ·fastSymbolsBMI2(SB), NOSPLIT, $0-176
	MOVQ lit_base+0(FP), AX
	MOVQ dist_base+24(FP), BX
	MOVQ dst_base+48(FP), R13
	MOVQ dst_len+56(FP), R12
	LEAQ -266(R13)(R12*1), R12 // fastRoom
	MOVQ out+72(FP), DI
	ADDQ R13, DI
	MOVQ src_base+80(FP), SI
	MOVQ src_len+88(FP), R11
	LEAQ -8(SI)(R11*1), R11
	ADDQ pos+104(FP), SI
	MOVQ bits+112(FP), R8
	MOVQ n+120(FP), R9

loop:
	// At least 48 bits for the next symbol: the longest length and
	// distance with their extra bits take 15 + 5 + 15 + 13.
	CMPQ R9, $48
	JAE  room
	CMPQ SI, R11
	JA   nearEnd
	MOVQ  (SI), DX
	SHLXQ R9, DX, DX
	ORQ   DX, R8
	MOVL  $63, CX
	SUBL  R9, CX
	SHRL  $3, CX
	ADDQ  CX, SI
	ORQ   $56, R9

room:
	CMPQ DI, R12
	JA   nearEnd
	MOVL R8, DX
	ANDL $1023, DX // litPrimary
	MOVL (AX)(DX*4), DX

litLen:
	TESTL DX, DX
	JNS   notLiteral

	// A literal with a code of 8 or 9 bits, as where bytes are about
	// equally frequent: the entry after it is looked up at both places
	// while the first lookup is under way, and picked by its length, so
	// that two literals cost about one lookup's wait.
	BTL   $30, DX
	JCS   literals // pairFlag
	MOVQ  R8, R10
	SHRQ  $8, R10
	ANDL  $1023, R10
	MOVL  (AX)(R10*4), R10
	MOVQ  R8, R14
	SHRQ  $9, R14
	ANDL  $1023, R14
	MOVL  (AX)(R14*4), R14
	MOVL  DX, CX
	ANDL  $63, CX
	CMPL  CX, $9
	CMOVLEQ R14, R10
	LEAL  -8(CX), R14
	CMPL  R14, $1
	JA    literals // not 8 or 9 bits
	TESTL R10, R10
	JNS   literals // not followed by a literal
	SHRXQ CX, R8, R8
	SUBB  CL, R9B
	SHRXQ R10, R8, R8
	SUBB  R10B, R9B
	MOVL  DX, CX
	SHRL  $8, CX
	MOVB  CX, (DI)
	MOVL  R10, CX
	SHRL  $8, CX
	MOVW  CX, 1(DI)
	SHRL  $30, R10
	ANDL  $1, R10
	LEAQ  2(DI)(R10*1), DI
	JMP   loop

literals:
	// One literal, or two: two bytes are stored either way, and a
	// second one that is not a literal is overwritten by what follows.
	SHRXQ DX, R8, R8
	SUBB  DL, R9B
	MOVL  DX, CX
	SHRL  $8, CX
	MOVW  CX, (DI)
	SHRL  $30, DX
	ANDL  $1, DX
	LEAQ  1(DI)(DX*1), DI
	JMP   loop

notLiteral:
	TESTL $0x40000000, DX // matchFlag: a length and a distance code
	JNZ   lengthWithDistance
	MOVL    DX, CX
	SHRL    $8, CX
	MOVBLZX CL, CX // the code's length, or a kind
	CMPL    CX, $0xf0 // kindEnd
	JAE     litLenKind

	// A length: code and extra bits go with one shift; the extra bits
	// are taken from a copy of the bits before it.
	MOVQ  R8, R10
	SHRXQ DX, R8, R8
	SUBB  DL, R9B
	BZHIQ DX, R10, R10
	SHRXQ CX, R10, R10
	SHRL  $16, DX
	ADDL  DX, R10

	MOVL R8, DX
	ANDL $255, DX // distPrimary
	MOVL (BX)(DX*4), DX

distance:
	MOVL    DX, CX
	SHRL    $8, CX
	MOVBLZX CL, CX
	CMPL    CX, $0xf0
	JAE     distKind
	MOVQ    R8, R14
	SHRXQ   DX, R8, R8
	SUBB    DL, R9B
	BZHIQ   DX, R14, R14
	SHRXQ   CX, R14, R14
	SHRL    $16, DX
	ADDL    DX, R14

checkDistance:
	// The distance may reach back to the start of dst, no further.
	MOVQ DI, CX
	SUBQ R13, CX
	CMPQ R14, CX
	JA   tooFar
	MOVQ DI, CX
	SUBQ R14, CX // the match's source
	CMPQ R14, $8
	JB   shortDistance

	// Eight bytes at a time: each load lies wholly before the bytes
	// being written; the writes past the match (at most seven bytes,
	// within fastRoom) are overwritten by what follows.
	MOVQ (CX), DX
	MOVQ DX, (DI)
	CMPQ R10, $8
	JBE  copied
	MOVQ 8(CX), DX
	MOVQ DX, 8(DI)
	CMPQ R10, $16
	JBE  copied
	MOVL $16, R14

copyWords:
	MOVQ (CX)(R14*1), DX
	MOVQ DX, (DI)(R14*1)
	ADDQ $8, R14
	CMPQ R14, R10
	JB   copyWords

copied:
	ADDQ R10, DI
	JMP  loop

shortDistance:
	// The match repeats its first d bytes: make a word of that pattern
	// and store it every shortStep bytes. (The bytes loaded past DI are
	// in the buffer, and masked off.)
	MOVQ  (CX), DX
	LEAQ  (R14*8), CX
	BZHIQ CX, DX, DX
	LEAQ  shortRepeat<>(SB), CX
	IMULQ (CX)(R14*8), DX
	LEAQ  shortStep<>(SB), CX
	MOVQ  (CX)(R14*8), R14
	XORL  CX, CX

repeatWords:
	MOVQ DX, (DI)(CX*1)
	ADDQ R14, CX
	CMPQ CX, R10
	JB   repeatWords
	ADDQ R10, DI
	JMP  loop

lengthWithDistance:
	// Bits 6–7 hold length bits here: n drops by the low 6 only. The
	// distance's extra bits follow the bits of the entry.
	SHRXQ DX, R8, R8
	MOVL  DX, CX
	ANDL  $63, CX
	SUBQ  CX, R9
	MOVL  DX, R10
	SHRL  $6, R10
	ANDL  $0x7f, R10
	ADDL  $3, R10 // length
	MOVL  DX, CX
	SHRL  $13, CX
	ANDL  $15, CX // extra bits of the distance
	SHRL  $17, DX
	ANDL  $0x1fff, DX // its base
	BZHIQ CX, R8, R14
	ADDL  DX, R14 // distance
	SHRXQ CX, R8, R8
	SUBQ  CX, R9
	JMP   checkDistance

litLenKind:
	CMPL CX, $0xf1 // kindLink: a longer code, in a second-level table
	JNE  endOrBad
	SHRQ  $10, R8
	SUBQ  $10, R9
	BZHIQ DX, R8, CX
	SHRL  $16, DX
	ADDL  CX, DX
	MOVL  (AX)(DX*4), DX
	JMP   litLen

endOrBad:
	CMPL CX, $0xf0
	JNE  badLitLen
	SHRXQ DX, R8, R8
	SUBB  DL, R9B
	MOVQ  $1, CX // fastEndOfBlock
	JMP   done

badLitLen:
	MOVQ $2, CX // fastBadLitLen
	JMP  done

distKind:
	CMPL CX, $0xf1
	JNE  badDist
	SHRQ  $8, R8
	SUBQ  $8, R9
	BZHIQ DX, R8, CX // R10 holds the length
	SHRL  $16, DX
	ADDL  CX, DX
	MOVL  (BX)(DX*4), DX
	JMP   distance

badDist:
	MOVQ $3, CX // fastBadDist
	JMP  done

tooFar:
	MOVQ $4, CX // fastDistTooFar
	MOVQ R14, distance+168(FP)
	JMP  ret

nearEnd:
	XORL CX, CX // fastNearEnd

done:
	MOVQ $0, distance+168(FP)

ret:
	MOVQ CX, stop+160(FP)
	SUBQ R13, DI
	MOVQ DI, outEnd+128(FP)
	SUBQ src_base+80(FP), SI
	MOVQ SI, posEnd+136(FP)
	MOVQ R8, bitsEnd+144(FP)
	MOVQ R9, nEnd+152(FP)
	RET
