package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"gatehouse/internal/auth"
)

// importColumns are the fields of a row, as JSON Lines keys and CSV
// header names.
var importColumns = []string{"email", "username", "name", "first_name", "last_name", "password_hash", "salt"}

// cmdImport imports members from another server's export: JSON Lines or
// CSV, batch by batch, each batch one transaction.
func cmdImport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("import", "import FILE [--dry-run] [--batch N] [--format jsonl|csv] [--report FILE] [--firebase-…] [flags]", stderr)
	dryRun := fs.Bool("dry-run", false, "check every row, against the database too, and write nothing")
	batch := fs.Int("batch", 1000, "rows per transaction (a batch commits whole or not at all)")
	format := fs.String("format", "", "jsonl or csv (default: from the file name; .csv is CSV, anything else JSON Lines)")
	report := fs.String("report", "", "write the rejected rows here instead of to stderr")
	var fb auth.FirebaseParams
	fs.StringVar(&fb.SignerKey, "firebase-signer-key", "", "Firebase project's base64 signer key (for Firebase scrypt hashes)")
	fs.StringVar(&fb.SaltSeparator, "firebase-salt-separator", "", "Firebase project's base64 salt separator")
	fs.IntVar(&fb.Rounds, "firebase-rounds", 8, "Firebase project's scrypt rounds")
	fs.IntVar(&fb.MemCost, "firebase-mem-cost", 14, "Firebase project's scrypt memory cost")
	config := configFlags(fs, getenv)
	file, err := parseWithFile(fs, args)
	if err != nil {
		return err
	}
	if *batch < 1 || *batch > 100000 {
		return usageError{"--batch must be from 1 to 100000"}
	}
	opt := auth.ImportOptions{DryRun: *dryRun}
	if fb.SignerKey != "" {
		opt.Firebase = &fb
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if *format == "" {
		*format = "jsonl"
		if strings.EqualFold(filepath.Ext(file), ".csv") {
			*format = "csv"
		}
	}
	counted := &countingReader{r: f}
	var rows rowSource
	switch *format {
	case "jsonl":
		rows = newJSONLRows(counted)
	case "csv":
		if rows, err = newCSVRows(counted); err != nil {
			return err
		}
	default:
		return usageError{"--format must be jsonl or csv"}
	}
	rep := stderr
	if *report != "" {
		rf, err := os.OpenFile(*report, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return err
		}
		defer rf.Close()
		rep = rf
	}
	svc, done, err := openService(ctx, config)
	if err != nil {
		return err
	}
	defer done()

	start := time.Now()
	bar := newProgress(stderr, fi.Size(), counted)
	var total auth.ImportResult
	seen := map[string]int{} // canonical email or username → first line
	pending := make([]auth.ImportRow, 0, *batch)
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		res, err := svc.ImportMembers(ctx, pending, opt)
		if err != nil {
			return fmt.Errorf("batch ending at line %d (nothing of it was written): %w", pending[len(pending)-1].Line, err)
		}
		total.Imported += res.Imported
		total.Rejected = append(total.Rejected, res.Rejected...)
		for _, r := range res.Rejected {
			fmt.Fprintf(rep, "line %d: %s\n", r.Line, r.Reason)
		}
		pending = pending[:0]
		bar.update(total.Imported, len(total.Rejected))
		return nil
	}
	for ctx.Err() == nil {
		row, bad, err := rows.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			bar.finish()
			return err
		}
		if bad != nil {
			total.Rejected = append(total.Rejected, *bad)
			fmt.Fprintf(rep, "line %d: %s\n", bad.Line, bad.Reason)
			continue
		}
		if dup := firstSeen(seen, row); dup != "" {
			total.Rejected = append(total.Rejected, auth.ImportRejection{Line: row.Line, Reason: dup})
			fmt.Fprintf(rep, "line %d: %s\n", row.Line, dup)
			continue
		}
		if pending = append(pending, row); len(pending) == *batch {
			if err := flush(); err != nil {
				bar.finish()
				return err
			}
		}
	}
	if err := ctx.Err(); err != nil {
		bar.finish()
		return fmt.Errorf("interrupted after %d members: the batches before are in, the current one is not", total.Imported)
	}
	if err := flush(); err != nil {
		bar.finish()
		return err
	}
	bar.finish()
	verb := "imported"
	if *dryRun {
		verb = "dry run: would import"
	}
	fmt.Fprintf(stdout, "%s %d members, rejected %d rows, in %s\n", verb, total.Imported, len(total.Rejected), time.Since(start).Round(time.Millisecond))
	if len(total.Rejected) > 0 {
		return fmt.Errorf("%d rows rejected (listed with their lines above or in --report)", len(total.Rejected))
	}
	return nil
}

// firstSeen reports a row whose email or username an earlier row of the
// file has, and records this row's.
func firstSeen(seen map[string]int, r auth.ImportRow) string {
	keys := []string{"email " + auth.Canonical(r.Email)}
	if u := auth.Canonical(r.Username); u != "" {
		keys = append(keys, "username "+u)
	}
	for _, k := range keys {
		if line, ok := seen[k]; ok {
			return fmt.Sprintf("%s is also on line %d", strings.SplitN(k, " ", 2)[0], line)
		}
	}
	for _, k := range keys {
		seen[k] = r.Line
	}
	return ""
}

// parseWithFile parses "FILE [flags]" or "[flags] FILE".
func parseWithFile(fs *flag.FlagSet, args []string) (string, error) {
	var file string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		file, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return "", err
		}
		return "", usageError{err.Error()}
	}
	if file == "" && fs.NArg() > 0 {
		file = fs.Arg(0)
		if fs.NArg() > 1 {
			return "", usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(1))}
		}
	} else if fs.NArg() > 0 {
		return "", usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	if file == "" {
		fs.Usage()
		return "", usageError{"import needs a FILE"}
	}
	return file, nil
}

// rowSource yields rows: a row, or a rejection for a line that is not
// one, or io.EOF.
type rowSource interface {
	next() (auth.ImportRow, *auth.ImportRejection, error)
}

type jsonlRows struct {
	sc   *bufio.Scanner
	line int
}

func newJSONLRows(r io.Reader) *jsonlRows {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	return &jsonlRows{sc: sc}
}

func (j *jsonlRows) next() (auth.ImportRow, *auth.ImportRejection, error) {
	for j.sc.Scan() {
		j.line++
		text := strings.TrimSpace(j.sc.Text())
		if text == "" {
			continue
		}
		var v struct {
			Email        string          `json:"email"`
			Username     string          `json:"username"`
			Name         string          `json:"name"`
			FirstName    string          `json:"first_name"`
			LastName     string          `json:"last_name"`
			PasswordHash json.RawMessage `json:"password_hash"`
			Salt         string          `json:"salt"`
		}
		if err := json.Unmarshal([]byte(text), &v); err != nil {
			return auth.ImportRow{}, &auth.ImportRejection{Line: j.line, Reason: "not a JSON object of strings: " + err.Error()}, nil
		}
		hash := ""
		if len(v.PasswordHash) > 0 && string(v.PasswordHash) != "null" {
			// A string, or a Keycloak credential given as an object.
			if err := json.Unmarshal(v.PasswordHash, &hash); err != nil {
				hash = string(v.PasswordHash)
			}
		}
		return auth.ImportRow{Line: j.line, Email: v.Email, Username: v.Username, Name: v.Name,
			FirstName: v.FirstName, LastName: v.LastName, PasswordHash: hash, Salt: v.Salt}, nil, nil
	}
	if err := j.sc.Err(); err != nil {
		return auth.ImportRow{}, nil, fmt.Errorf("line %d: %w", j.line+1, err)
	}
	return auth.ImportRow{}, nil, io.EOF
}

type csvRows struct {
	r   *csv.Reader
	col map[string]int
}

// newCSVRows reads the header: it must name email and may name the other
// importColumns; other columns are an error (a typo would drop data).
func newCSVRows(r io.Reader) (*csvRows, error) {
	cr := csv.NewReader(r)
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("CSV header: %w", err)
	}
	c := &csvRows{r: cr, col: map[string]int{}}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		known := false
		for _, k := range importColumns {
			known = known || h == k
		}
		if !known {
			return nil, fmt.Errorf("CSV header: unknown column %q (known: %s)", h, strings.Join(importColumns, ", "))
		}
		c.col[h] = i
	}
	if _, ok := c.col["email"]; !ok {
		return nil, errors.New("CSV header: no email column")
	}
	return c, nil
}

func (c *csvRows) next() (auth.ImportRow, *auth.ImportRejection, error) {
	rec, err := c.r.Read()
	if errors.Is(err, io.EOF) {
		return auth.ImportRow{}, nil, io.EOF
	}
	line, _ := c.r.FieldPos(0)
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return auth.ImportRow{}, &auth.ImportRejection{Line: pe.StartLine, Reason: "CSV: " + pe.Err.Error()}, nil
	}
	if err != nil {
		return auth.ImportRow{}, nil, err
	}
	get := func(k string) string {
		if i, ok := c.col[k]; ok && i < len(rec) {
			return rec[i]
		}
		return ""
	}
	return auth.ImportRow{Line: line, Email: get("email"), Username: get("username"), Name: get("name"),
		FirstName: get("first_name"), LastName: get("last_name"), PasswordHash: get("password_hash"), Salt: get("salt")}, nil, nil
}

// countingReader counts the bytes read, for the progress bar.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// progress draws a bar on w when w is a terminal, and nothing otherwise
// (a log file or a pipe gets the report and the summary only).
type progress struct {
	w     io.Writer
	on    bool
	size  int64
	read  *countingReader
	last  time.Time
	drawn bool
}

func newProgress(w io.Writer, size int64, read *countingReader) *progress {
	p := &progress{w: w, size: size, read: read}
	if f, ok := w.(*os.File); ok {
		_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
		p.on = err == nil
	}
	return p
}

func (p *progress) update(imported, rejected int) {
	if !p.on || time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	frac := 1.0
	if p.size > 0 {
		frac = min(float64(p.read.n.Load())/float64(p.size), 1)
	}
	const width = 30
	done := int(frac * width)
	fmt.Fprintf(p.w, "\r[%s%s] %3.0f%%  %d imported, %d rejected ", strings.Repeat("#", done), strings.Repeat(" ", width-done), frac*100, imported, rejected)
	p.drawn = true
}

func (p *progress) finish() {
	if p.drawn {
		fmt.Fprintln(p.w)
	}
}
