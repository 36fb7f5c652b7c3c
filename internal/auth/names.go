package auth

import "strings"

// SplitName splits a full name into a first and a last name: the first
// word is the first name, the rest the last name ("Mary Ann Lee" → "Mary",
// "Ann Lee"; "Prince" → "Prince", ""). It is used only when no first or
// last name was given: a member who gives them is never second-guessed.
func SplitName(full string) (first, last string) {
	full = strings.Join(strings.Fields(full), " ")
	first, last, _ = strings.Cut(full, " ")
	return first, last
}

// FirstLast returns the member's first and last names: the stored ones,
// or, when both are empty (members created before first and last names
// were taken, or through a door that takes only a name), the split of Name.
func (m Member) FirstLast() (first, last string) {
	if m.FirstName != "" || m.LastName != "" {
		return m.FirstName, m.LastName
	}
	return SplitName(m.Name)
}

// memberNames validates the optional first and last names of a new member
// and fills both from the full name when neither is given.
func memberNames(first, last, full string) (string, string, error) {
	first, firstErr := cleanText("first_name", "First name", first, maxNameLen, false)
	last, lastErr := cleanText("last_name", "Last name", last, maxNameLen, false)
	if err := mergeFields(firstErr, lastErr); err != nil {
		return "", "", err
	}
	if first == "" && last == "" {
		first, last = SplitName(full)
	}
	return first, last, nil
}
