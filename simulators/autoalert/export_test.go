package autoalert

import "time"

// Expiration exposes how the simulator writes a date, for tests.
func (s *Simulator) Expiration(t time.Time) string { return s.expiration(t) }
