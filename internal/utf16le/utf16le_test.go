package utf16le

import "testing"

func TestString(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, ""},
		{"padded", []byte{'E', 0, 'F', 0, 'I', 0, 0, 0, 'x', 0}, "EFI"},
		{"odd trailing byte", []byte{'a', 0, 'b'}, "a"},
		{"non-ASCII", []byte{0xe9, 0x00, 0x3d, 0xd8, 0x00, 0xde}, "é😀"},
		{"unpaired surrogate", []byte{0x3d, 0xd8, 'a', 0}, "\uFFFDa"},
	} {
		if got := String(tc.in); got != tc.want {
			t.Errorf("%s: String(% x) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
}
