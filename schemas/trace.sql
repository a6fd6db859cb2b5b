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

-- One row per struct event (core/event.h), in the order they were emitted
-- (seq 1, 2, ... within a run).  Columns that do not apply to a kind are
-- NULL.  kind 'path': path, path2 (rename/link: the new name; symlink: the
-- link's contents), access (EVENT_ACC_* bits: 1 read, 2 write, 4 create,
-- 8 truncate, 16 exec, 32 remove, 64 dir, 128 meta).  'net': proto, addr
-- (IPv4 dotted, IPv6 compressed), port, host (the name the address was
-- resolved from, when known); a bind is syscall 'bind'.  'exec': path,
-- argv.  'proc': amount = tasks at that moment, amount_limit.  'mem':
-- amount = bytes, amount_limit.  'task': child = the new task (0 for an
-- exit), status = the exit's wait status.
CREATE TABLE events (
	run INTEGER NOT NULL REFERENCES runs (id),
	seq INTEGER NOT NULL,
	time_ns INTEGER NOT NULL,
	pid INTEGER NOT NULL,              -- thread id of the caller
	ppid INTEGER NOT NULL,
	exe TEXT,                          -- the caller's executable
	kind TEXT NOT NULL
		CHECK (kind IN ('net', 'exec', 'path', 'proc', 'mem', 'error', 'task')),
	syscall TEXT,
	nr INTEGER NOT NULL,               -- native syscall number
	path TEXT,
	path2 TEXT,
	access INTEGER,
	addr TEXT,
	port INTEGER,
	proto TEXT CHECK (proto IN ('tcp', 'udp')),
	host TEXT,
	argv TEXT,
	amount INTEGER,
	amount_limit INTEGER,
	child INTEGER,
	status INTEGER,
	verdict TEXT NOT NULL CHECK (verdict IN ('allow', 'deny')),
	rule TEXT,                         -- "network.allow[2]", "default", ...
	origin TEXT,                       -- "policy.toml:3:9", or a source name
	errno INTEGER NOT NULL,            -- what the caller got; 0 when allowed
	detail TEXT,
	PRIMARY KEY (run, seq)
) STRICT, WITHOUT ROWID;

-- sl-audit: a run's events of one kind; sl-learn and sl-audit: who touched
-- a path.
CREATE INDEX events_by_kind ON events (run, kind);
CREATE INDEX events_by_path ON events (path) WHERE path IS NOT NULL;
