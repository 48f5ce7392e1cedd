package main

import "testing"

// The soft memory limit stays at its floor for a load test's live heap,
// and follows a larger one with room for it to double.
func TestLimitFor(t *testing.T) {
	const MiB = 1 << 20
	for _, tc := range []struct {
		live uint64
		want int64
	}{
		{0, memoryFloor},
		{8 * MiB, memoryFloor},
		{9 * MiB, 24 * MiB},
		{30 * MiB, 66 * MiB},
	} {
		if got := limitFor(tc.live); got != tc.want {
			t.Errorf("limitFor(%d MiB) = %d MiB, want %d MiB", tc.live/MiB, got/MiB, tc.want/MiB)
		}
	}
}
