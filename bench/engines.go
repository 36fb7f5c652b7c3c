package main

// go run ./bench -only engines: the storage engines side by side. The same
// two scenarios — an authenticated request (token check) and refresh
// rotation — run against SQLite on one node, PostgreSQL on one node and
// PostgreSQL on three nodes (requests spread round-robin, as a load
// balancer would). PostgreSQL is a private durable server (fsync and
// synchronous commit on, as in production) started by internal/pgtest on
// this machine; the nodes share it. Results: bench/out/engines.md and
// engines.json.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"gatehouse/internal/pgtest"
)

// engineSetup is one column of the comparison.
type engineSetup struct {
	Name  string   `json:"name"`
	Nodes int      `json:"nodes"`
	Token Result   `json:"token_check"`
	Rot   Result   `json:"refresh_rotation"`
	bases []string // the nodes' base URLs
}

// engineKey is the sealing key every PostgreSQL node of the bench shares.
const engineKey = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

func runEngines(ctx context.Context) int {
	tmp, err := os.MkdirTemp("", "gatehouse-bench-engines-")
	if err != nil {
		logf("temp dir: %v", err)
		return 1
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "gatehouse")
	logf("building ./cmd/gatehouse")
	if err := runGo(ctx, "build", "-o", bin, "./cmd/gatehouse"); err != nil {
		logf("build: %v", err)
		return 1
	}
	logf("starting a private durable PostgreSQL server")
	pg, err := pgtest.StartWith(pgtest.Options{Durable: true})
	if err != nil {
		logf("postgres: %v", err)
		return 1
	}
	defer pg.Stop()

	var setups []engineSetup
	for _, s := range []struct {
		name  string
		nodes int
		pg    bool
	}{{"SQLite", 1, false}, {"PostgreSQL", 1, true}, {"PostgreSQL", 3, true}} {
		db := filepath.Join(tmp, fmt.Sprintf("sqlite-%d", len(setups)), "gatehouse.db")
		if s.pg {
			if db, err = pg.CreateDB(); err != nil {
				logf("%v", err)
				return 1
			}
		}
		setup, err := benchEngine(ctx, bin, tmp, s.name, s.nodes, db)
		if err != nil {
			logf("%s × %d: %v", s.name, s.nodes, err)
			return 1
		}
		setups = append(setups, setup)
	}
	var md bytes.Buffer
	writeEngines(&md, setups)
	js, _ := json.MarshalIndent(setups, "", "  ")
	if err := os.MkdirAll(*flagOut, 0o755); err != nil {
		logf("%v", err)
		return 1
	}
	for name, b := range map[string][]byte{"engines.md": md.Bytes(), "engines.json": js} {
		if err := os.WriteFile(filepath.Join(*flagOut, name), b, 0o644); err != nil {
			logf("%v", err)
			return 1
		}
	}
	os.Stdout.Write(md.Bytes())
	logf("wrote %s/engines.md, engines.json", *flagOut)
	for _, s := range setups {
		if s.Token.Errors > 0 || s.Rot.Errors > 0 {
			logf("%s × %d: errors (first: %s%s)", s.Name, s.Nodes, s.Token.FirstError, s.Rot.FirstError)
			return 1
		}
	}
	return 0
}

func runGo(ctx context.Context, args ...string) error {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	return cmd.Run()
}

// benchEngine starts nodes servers on db, registers the members, and
// measures both scenarios with requests spread over the nodes.
func benchEngine(ctx context.Context, bin, tmp, name string, nodes int, db string) (engineSetup, error) {
	setup := engineSetup{Name: name, Nodes: nodes}
	logf("%s × %d node(s)", name, nodes)
	var pids []int
	for i := range nodes {
		addr, err := freeAddr()
		if err != nil {
			return setup, err
		}
		env := map[string]string{"GATEHOUSE_DB": db, "GATEHOUSE_ADDR": addr, "GATEHOUSE_ENV": "dev",
			"GATEHOUSE_IP_RATE_LIMIT": "off", "GATEHOUSE_SECRET_KEY": engineKey}
		if i == 0 && !strings.HasPrefix(db, "postgres") {
			if err := os.MkdirAll(filepath.Dir(db), 0o700); err != nil {
				return setup, err
			}
		}
		srv, err := startServer(ctx, bin, env, filepath.Join(tmp, fmt.Sprintf("server-%s-%d-%d.log", name, nodes, i)))
		if err != nil {
			return setup, err
		}
		defer srv.stop()
		setup.bases = append(setup.bases, "http://"+addr)
		pids = append(pids, srv.cmd.Process.Pid)
	}
	b := &bencher{ctx: ctx, base: setup.bases[0], dur: *flagDuration, client: &http.Client{Timeout: 30 * time.Second,
		Transport: &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 512, DisableCompression: true}}}
	if nodes == 1 {
		b.pid = pids[0]
	}
	defer b.client.CloseIdleConnections()
	const members = refreshFamilies + 1 // one family per rotating client, and one for the token check
	pairs := make([]tokens, members)
	for i := range pairs {
		body, err := b.postJSON(setup.bases[i%nodes]+"/auth/register", map[string]string{"name": "Engine Bench",
			"email": fmt.Sprintf("engine%d@example.com", i), "password": password, "confirm": password}, "")
		if err != nil {
			return setup, fmt.Errorf("register: %v", err)
		}
		var resp struct{ Tokens tokens }
		if err := json.Unmarshal(body, &resp); err != nil || resp.Tokens.Refresh.Token == "" {
			return setup, fmt.Errorf("register answer without tokens: %.300s", body)
		}
		pairs[i] = resp.Tokens
	}
	var seq atomic.Uint64
	next := func() string { return setup.bases[seq.Add(1)%uint64(nodes)] }
	access := pairs[members-1].Access.Token
	setup.Token = b.measure(fmt.Sprintf("%s × %d: token check (POST /auth)", name, nodes), 32, func(int) error {
		_, err := b.postJSON(next()+"/auth", struct{}{}, access)
		return err
	})
	latest := make([]string, members-1)
	for i := range latest {
		latest[i] = pairs[i].Refresh.Token
	}
	setup.Rot = b.measure(fmt.Sprintf("%s × %d: refresh rotation", name, nodes), len(latest), func(w int) error {
		body, err := b.postJSON(next()+"/auth/refresh-tokens", map[string]string{"refreshToken": latest[w]}, "")
		if err != nil {
			return err
		}
		var t tokens
		if err := json.Unmarshal(body, &t); err != nil || t.Refresh.Token == "" {
			return fmt.Errorf("refresh answer without a token: %.200s", body)
		}
		latest[w] = t.Refresh.Token
		return nil
	})
	return setup, nil
}

// writeEngines writes the side-by-side table with PostgreSQL's ratio to
// SQLite on one node.
func writeEngines(w io.Writer, setups []engineSetup) {
	fmt.Fprintf(w, "| setup | token checks/s | p50 ms | p99 ms | refresh rotations/s | p50 ms | p99 ms |\n")
	fmt.Fprintf(w, "|---|---:|---:|---:|---:|---:|---:|\n")
	for _, s := range setups {
		fmt.Fprintf(w, "| %s × %d | %.0f | %.2f | %.2f | %.0f | %.2f | %.2f |\n", s.Name, s.Nodes,
			s.Token.Throughput, s.Token.P50ms, s.Token.P99ms, s.Rot.Throughput, s.Rot.P50ms, s.Rot.P99ms)
	}
	if len(setups) >= 2 && setups[1].Token.Throughput > 0 && setups[1].Rot.Throughput > 0 {
		fmt.Fprintf(w, "\nSQLite ÷ PostgreSQL on one node: token checks %.2f×, refresh rotation %.2f× (the target is at most 2×).\n",
			setups[0].Token.Throughput/setups[1].Token.Throughput, setups[0].Rot.Throughput/setups[1].Rot.Throughput)
	}
}
