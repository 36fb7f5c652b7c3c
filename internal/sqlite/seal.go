package sqlite

import "gatehouse/internal/sealing"

// The store seals outbox payloads and secret columns with internal/sealing
// (the same format in both engines, so a database moved between them keeps
// its secrets readable with the same key).

const keySize = sealing.KeySize

// LoadOrCreateKey returns the payload key stored at path, creating it when
// missing (see sealing.LoadOrCreateKey).
func LoadOrCreateKey(path string) ([]byte, error) { return sealing.LoadOrCreateKey(path) }

var (
	sealData  = sealing.SealData
	openData  = sealing.OpenData
	sealField = sealing.SealField
	openField = sealing.OpenField
)
