"""The stsrelay daemon under test: its TOML configuration, its process and its CLI.

StsRelay(workdir, config) writes `workdir/stsrelay.toml` (state_dir = workdir/state) from the
defaults below merged with `config` (a dict of TOML tables), runs `$STSRELAY_BIN serve --config
...` with its output in `workdir/stsrelay.log`, and waits until every listen address accepts.
The CLI (`queue list --json`, `queue show`, `passwd`) runs against the same configuration.
"""

import json
import os
import re
import signal

from procs import ServerProcess, is_listening, parse_host_port, run, sanitizer_reports, wait_until

START_TIMEOUT = 30  # seconds; a sanitizer build starts in well under one
CLI_TIMEOUT = 30


def relay_binary():
    path = os.environ.get("STSRELAY_BIN")
    if not path:
        raise RuntimeError("STSRELAY_BIN is not set: it names the stsrelay binary under test "
                           "(ctest sets it to the build's stsrelay)")
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"STSRELAY_BIN={path} is not an executable file")
    return path


# --- TOML ---------------------------------------------------------------------------------------

def _toml_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid TOML basic string
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML form for {value!r}")


def toml_dumps(tables):
    """{'server': {'listen': [...]}, 'sts': {'override': {...}}} -> TOML text. Nested dicts become
    sub-tables ([sts.override]), lists of dicts arrays of tables ([[dkim.sign]], [[route]]); keys that are
    not bare words are quoted."""
    def key(k):
        return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else json.dumps(k)

    out = []

    def is_table_array(v):
        return isinstance(v, list) and v and all(isinstance(item, dict) for item in v)

    def emit(path, table, brackets=("[", "]")):
        scalars = {k: v for k, v in table.items()
                   if not isinstance(v, dict) and not is_table_array(v)}
        out.append(f"{brackets[0]}{'.'.join(key(p) for p in path)}{brackets[1]}")
        out.extend(f"{key(k)} = {_toml_value(v)}" for k, v in scalars.items())
        out.append("")
        for k, v in table.items():
            if isinstance(v, dict):
                emit(path + [k], v)
            elif is_table_array(v):  # [[dkim.sign]]
                for item in v:
                    emit(path + [k], item, ("[[", "]]"))

    for name, table in tables.items():
        if is_table_array(table):  # a top-level array of tables: [[route]]
            for item in table:
                emit([name], item, ("[[", "]]"))
        else:
            emit([name], table)
    return "\n".join(out)


def merge(base, extra):
    """A copy of `base` with `extra` merged in, table by table."""
    merged = dict(base)
    for k, v in (extra or {}).items():
        if isinstance(v, dict) and isinstance(merged.get(k), dict):
            merged[k] = merge(merged[k], v)
        else:
            merged[k] = v
    return merged


# --- The daemon -----------------------------------------------------------------------------------

class StsRelay:
    HOSTNAME = "relay.test"

    def __init__(self, workdir, config=None, tls=None):
        """`config`: TOML tables merged over the defaults. `tls`: a certs.Leaf whose chain and key
        the server presents for STARTTLS."""
        self.workdir = workdir
        self.binary = relay_binary()
        self.state_dir = os.path.join(workdir, "state")
        self.config_path = os.path.join(workdir, "stsrelay.toml")
        defaults = {
            "server": {"listen": ["127.0.0.1:2525"], "hostname": self.HOSTNAME},
            "queue": {"state_dir": self.state_dir},
            # Nothing answers DNS there unless a test starts a server: every delivery attempt
            # defers at once, and no lookup goes to the resolvers of the host.
            "delivery": {"dns_servers": ["127.0.0.1:53"]},
            "log": {"level": "debug"},
        }
        if tls is not None:
            defaults["server"].update(tls_cert=tls.chain, tls_key=tls.key)
        self._defaults = defaults
        os.makedirs(workdir, exist_ok=True)
        self.rewrite_config(config)
        self.process = ServerProcess(
            "stsrelay", [self.binary, "serve", "--config", self.config_path],
            os.path.join(workdir, "stsrelay.log"), cwd=workdir)

    def rewrite_config(self, config):
        """Writes the configuration file again from the defaults and `config` (for SIGHUP)."""
        self.config = merge(self._defaults, config)
        with open(self.config_path, "w") as f:
            f.write(toml_dumps(self.config))

    # Where clients connect: the first listen address.
    @property
    def host(self):
        return parse_host_port(self.config["server"]["listen"][0])[0]

    @property
    def port(self):
        return parse_host_port(self.config["server"]["listen"][0])[1]

    @property
    def pid(self):
        return self.process.pid

    def start(self, timeout=START_TIMEOUT):
        """Starts the daemon and waits until every listen address accepts connections."""
        self.process.start()
        addresses = [parse_host_port(a) for a in self.config["server"]["listen"]]

        def ready():
            if not self.process.running:
                raise RuntimeError(f"stsrelay exited with status {self.process.returncode} "
                                   f"before listening:\n{self.process.log_tail()}")
            return all(is_listening(h, p) for h, p in addresses)

        wait_until(ready, timeout, what=f"stsrelay to listen on {addresses}")
        return self

    def stop(self, timeout=20):
        """SIGTERM and wait: the daemon's exit status (None if it had to be killed)."""
        return self.process.stop(timeout)

    def kill(self, sig=signal.SIGKILL, timeout=10):
        """Sends `sig` and waits for the daemon to exit; returns its exit status."""
        return self.process.kill(sig, timeout)

    def restart(self, timeout=START_TIMEOUT):
        if self.process.running:
            self.stop()
        return self.start(timeout)

    def log_text(self):
        return self.process.log_text()

    def sanitizer_reports(self):
        return sanitizer_reports(self.log_text())

    # --- CLI ---------------------------------------------------------------------------------

    def cli(self, *args, input=None, check=True, config=True):
        argv = [self.binary, *args] + (["--config", self.config_path] if config else [])
        return run(argv, timeout=CLI_TIMEOUT, input=input, check=check)

    def queue_list(self):
        """`stsrelay queue list --json`: a list of messages, each a dict with id, sender,
        received_at, size and recipients (address, state, attempts, next_attempt_at,
        last_reply)."""
        return json.loads(self.cli("queue", "list", "--json").stdout)

    def recipient_state(self, address):
        """The queue-list entry of recipient `address` (state, attempts, last_reply, ...), or
        None once no queued message has it."""
        for m in self.queue_list():
            for r in m["recipients"]:
                if r["address"] == address:
                    return r
        return None

    def attempt_lines(self, recipient):
        """The log's delivery-attempt lines for `recipient`, oldest first."""
        return [line for line in self.log_text().splitlines()
                if f"to=<{recipient}>" in line and " status=" in line]

    def queue_show(self, queue_id):
        """`stsrelay queue show ID` as text (envelope and the stored header section)."""
        return self.cli("queue", "show", queue_id).stdout

    def stored_headers(self, queue_id):
        """The header section of a queued message as `queue show` prints it, after the line
        "headers:" (one header line per text line)."""
        shown = self.queue_show(queue_id)
        marker = "\nheaders:\n"
        if marker not in shown:
            raise AssertionError(f"no header section in `queue show {queue_id}`:\n{shown}")
        return shown.split(marker, 1)[1]



def add_user(users_file, user, password):
    """`stsrelay passwd USER --file F`, the password on standard input: creates or updates the
    user's entry in an `auth_users_file`."""
    run([relay_binary(), "passwd", user, "--file", users_file], input=password + "\n",
        timeout=CLI_TIMEOUT, check=True)
