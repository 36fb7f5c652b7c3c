package outbox

import "time"

// Backoff exposes the retry delay to the black-box tests.
func (w *Worker) Backoff(attempts int) time.Duration { return w.backoff(attempts) }
