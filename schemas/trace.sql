-- The sandlock trace: one SQLite file holding runs of a command under
-- sandlock (`sandlock learn`, or enforce with --audit-log) and every
-- supervised decision each run made.  This file is the contract:
-- learn/trace_schema.c embeds it verbatim (tests/unit/test_trace_schema.c
-- checks the two are identical), sl-learn and sl-audit read it.  A change
-- bumps user_version and adds a forward migration step to
-- learn/trace_schema.c; readers refuse a newer version and upgrade an older
-- one in place.
--
-- Conventions: times are CLOCK_REALTIME nanoseconds; a wait status is the
-- raw int waitpid() gives (WIFEXITED etc. decode it); argv columns are JSON
-- arrays of strings, a byte that is not valid UTF-8 written as \u00XX;
-- paths are absolute and resolved.  Tables are STRICT, so a forged row of
-- the wrong type is refused by SQLite itself.
PRAGMA user_version = 1;

-- One execution of a command under sandlock.  end_ns and exit_status stay
-- NULL when sandlock itself died (kill -9): the events written until then
-- are kept.
CREATE TABLE runs (
	id INTEGER PRIMARY KEY,
	command TEXT NOT NULL,             -- argv, JSON array
	cwd TEXT,
	start_ns INTEGER NOT NULL,
	end_ns INTEGER,
	exit_status INTEGER,               -- wait status of the command
	sandlock_version TEXT NOT NULL,
	kernel TEXT NOT NULL,              -- uname -r
	landlock_abi INTEGER NOT NULL,
	mode TEXT NOT NULL CHECK (mode IN ('learn', 'enforce')),
	policy TEXT,                       -- the policy text in force, if any
	peak_processes INTEGER,            -- tasks in the sandbox at once
	peak_memory INTEGER,               -- bytes ([limits] memory's measure)
	peak_open_files INTEGER            -- descriptors of one process
) STRICT;

-- The task tree of a run, from EVENT_TASK (fork, exit) and exec events; a
-- task first seen in some other event is added then.  A pid reused within
-- a run gets a second row.
CREATE TABLE processes (
	id INTEGER PRIMARY KEY,
	run INTEGER NOT NULL REFERENCES runs (id),
	pid INTEGER NOT NULL,
	ppid INTEGER,
	exe TEXT,                          -- the last program it executed
	argv TEXT,                         -- and its argv, JSON array
	start_ns INTEGER NOT NULL,
	end_ns INTEGER,
	exit_status INTEGER                -- wait status
) STRICT;

CREATE INDEX processes_by_run ON processes (run, pid);

-- Every string an event refers to (paths, programs, syscall names, host
-- names, rule ids, origins, details) is stored once and events hold its
-- id: a run opens the same few thousand paths over and over, and an
-- integer is far cheaper to write, index and compare than the text (this
-- is what lets the recorder keep up with a busy workload).
CREATE TABLE strings (
	id INTEGER PRIMARY KEY,
	text TEXT NOT NULL UNIQUE
) STRICT;

-- One row per struct event (core/event.h), in the order they were emitted:
-- id across the file, seq 1, 2, ... within a run.  Columns marked
-- "-> strings" hold a strings.id; the view `events` below gives them as
-- text, and is what readers query.  Columns that do not apply to a kind
-- are NULL.  kind 'path': path, path2 (rename, link: the other name, in
-- either order; symlink: the link's contents), access (EVENT_ACC_* bits:
-- 1 read, 2 write, 4 create, 8 truncate, 16 exec, 32 remove, 64 dir,
-- 128 meta).
-- 'net': proto, addr (IPv4 dotted, IPv6 compressed), port, host (the name
-- the address was resolved from, when known); a bind is syscall 'bind'.
-- 'exec': path, argv.  'proc': amount = tasks at that moment,
-- amount_limit.  'mem': amount = bytes, amount_limit.  'task': child = the
-- new task (0 for an exit), status = the exit's wait status.
-- No CHECK constraints here: evaluated per row they halve the recorder's
-- throughput.  Readers validate instead (learn/trace_read.c skips a row of
-- unknown kind, and anything but verdict 'allow' counts as a denial).
CREATE TABLE event_rows (
	id INTEGER PRIMARY KEY,
	run INTEGER NOT NULL REFERENCES runs (id),
	seq INTEGER NOT NULL,
	time_ns INTEGER NOT NULL,
	pid INTEGER NOT NULL,              -- thread id of the caller
	ppid INTEGER NOT NULL,
	exe INTEGER,                       -- -> strings: the caller's executable
	kind TEXT NOT NULL,                -- net exec path proc mem error task
	syscall INTEGER,                   -- -> strings
	nr INTEGER NOT NULL,               -- native syscall number
	path INTEGER,                      -- -> strings
	path2 INTEGER,                     -- -> strings
	access INTEGER,
	addr TEXT,
	port INTEGER,
	proto TEXT,                        -- tcp udp
	host INTEGER,                      -- -> strings
	argv TEXT,
	amount INTEGER,
	amount_limit INTEGER,
	child INTEGER,
	status INTEGER,
	verdict TEXT NOT NULL,             -- allow deny
	rule INTEGER,                      -- -> strings: "network.allow[2]", "default"
	origin INTEGER,                    -- -> strings: "policy.toml:3:9", or a source
	errno INTEGER NOT NULL,            -- what the caller got; 0 when allowed
	detail INTEGER                     -- -> strings
) STRICT;

-- sl-audit: a run's events of one kind; sl-learn and sl-audit: who touched
-- a path (through strings.text's own index to the path's id).
CREATE INDEX event_rows_by_kind ON event_rows (run, kind);
CREATE INDEX event_rows_by_path ON event_rows (path) WHERE path IS NOT NULL;

-- The events with their strings as text: query this.
CREATE VIEW events AS
SELECT e.id, e.run, e.seq, e.time_ns, e.pid, e.ppid, s_exe.text AS exe, e.kind,
	s_sys.text AS syscall, e.nr, s_path.text AS path, s_path2.text AS path2, e.access,
	e.addr, e.port, e.proto, s_host.text AS host, e.argv, e.amount, e.amount_limit,
	e.child, e.status, e.verdict, s_rule.text AS rule, s_origin.text AS origin,
	e.errno, s_detail.text AS detail
FROM event_rows AS e
	LEFT JOIN strings AS s_exe ON s_exe.id = e.exe
	LEFT JOIN strings AS s_sys ON s_sys.id = e.syscall
	LEFT JOIN strings AS s_path ON s_path.id = e.path
	LEFT JOIN strings AS s_path2 ON s_path2.id = e.path2
	LEFT JOIN strings AS s_host ON s_host.id = e.host
	LEFT JOIN strings AS s_rule ON s_rule.id = e.rule
	LEFT JOIN strings AS s_origin ON s_origin.id = e.origin
	LEFT JOIN strings AS s_detail ON s_detail.id = e.detail;
