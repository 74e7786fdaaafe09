package catalog

import "sync"

// Evidence stays data: the value found and where it came from, as a check
// wrote it (identifiers, paths, flags and values in the input's own words).
// Reports render its few prose words in the report's language; a check whose
// evidence has a form of its own registers its Chinese rendering here.
var (
	evidenceMu sync.RWMutex
	evidenceZH = map[string]func(string) (string, bool){}
)

// RegisterEvidenceZH registers fn as the Chinese rendering of the evidence of
// the checks ids; fn reports false for evidence it does not recognise.
func RegisterEvidenceZH(fn func(evidence string) (string, bool), ids ...string) {
	evidenceMu.Lock()
	defer evidenceMu.Unlock()
	for _, id := range ids {
		evidenceZH[id] = fn
	}
}

// EvidenceZH returns the Chinese rendering of check id's evidence ev, when
// the check registered one and it recognises ev.
func EvidenceZH(id, ev string) (string, bool) {
	evidenceMu.RLock()
	fn := evidenceZH[id]
	evidenceMu.RUnlock()
	if fn == nil {
		return "", false
	}
	return fn(ev)
}
