"""A throwaway single-node Slurm cluster on 127.0.0.1, for the tests of profiles/slurm.

Why it looks like this (see the verified facts in the shared slurm notes):
- The config must be /etc/slurm/slurm.conf: the Slurm executor's job step clears every SLURM_*
  variable (SLURM_CONF too) before its srun, so a private config path breaks every job.
- Everything binds to loopback and the node is called localhost, so nothing leaves the machine.
- No cgroups, no accounting (status via squeue), munged with a private key and socket as root.
- Daemons run in the foreground in their own sessions; their PIDs are saved, and stop() ends exactly
  those (after scancel, since running jobs outlive slurmd in slurmstepd processes).

Use from Python (``with LocalSlurm() as cluster: ...``) or by hand::

    python tests/slurm/cluster.py up     # install if needed, start, print the partition
    python tests/slurm/cluster.py down   # scancel, stop the daemons started by `up`
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["LocalSlurm", "Unavailable", "CONF", "PARTITION"]

PACKAGES = ["munge", "slurmctld", "slurmd", "slurm-client"]
CONF = Path("/etc/slurm/slurm.conf")
STATE = Path("/run/mmcore-slurm")  # tmpfs: state, logs, PID files, munge key and socket
LOCK = Path("/run/mmcore-slurm.lock")  # one cluster per machine, even with two pytest sessions
MARK = "# Written by mmcore tests/slurm/cluster.py: a throwaway single-node cluster on 127.0.0.1."
PARTITION = "local"
DAEMONS = ("munged", "slurmctld", "slurmd")  # start order; stopped in reverse


class Unavailable(RuntimeError):
    """This machine cannot run the local cluster (not root, no apt-get, packages missing, ...)."""


def _run(*cmd: str, timeout: float = 60, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)


def ensure_packages() -> None:
    """Install the Debian packages when missing; apt-get update only if the plain install fails."""
    if os.geteuid() != 0:
        raise Unavailable("the local Slurm cluster needs root (it writes /etc/slurm and runs daemons)")
    if all(shutil.which(b) for b in ("munged", "slurmctld", "slurmd", "sbatch", "squeue", "scancel")):
        return
    if not shutil.which("apt-get"):
        raise Unavailable("Slurm is not installed and there is no apt-get to install " + " ".join(PACKAGES))
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *PACKAGES]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if _run(*install, timeout=600, env=env).returncode != 0:
        _run("apt-get", "update", "-q", timeout=600, env=env)
        proc = _run(*install, timeout=600, env=env)
        if proc.returncode != 0:
            raise Unavailable(f"could not install {' '.join(PACKAGES)}: {proc.stderr.strip()[-300:]}")


def _node_line() -> str:
    """This machine's CPUs as `slurmd -C` sees them, with ~95 % of its memory (less memory than
    configured would drain the node)."""
    fields = dict(f.split("=", 1) for f in _run("slurmd", "-C").stdout.split() if "=" in f)
    layout = ("CPUs", "Boards", "SocketsPerBoard", "CoresPerSocket", "ThreadsPerCore")
    cpus = " ".join(f"{k}={fields[k]}" for k in layout)
    mem = int(int(fields["RealMemory"]) * 0.95)
    return f"NodeName=localhost NodeAddr=127.0.0.1 NodeHostname=localhost {cpus} RealMemory={mem} State=UNKNOWN"


def slurm_conf(state: Path = STATE) -> str:
    return f"""{MARK}
# Remove it (or replace it with your site's) when you no longer run the tests here.
ClusterName=mmcoretest
SlurmctldHost=localhost(127.0.0.1)
CommunicationParameters=NoCtldInAddrAny,NoInAddrAny
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={state}/munge/munge.socket
SlurmUser=root
SlurmdUser=root
StateSaveLocation={state}/ctld
SlurmdSpoolDir={state}/slurmd
SlurmctldPidFile={state}/slurmctld.pid
SlurmdPidFile={state}/slurmd.pid
SlurmctldLogFile={state}/slurmctld.log
SlurmdLogFile={state}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=256
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
KillWait=5
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
{_node_line()}
PartitionName={PARTITION} Nodes=localhost Default=YES MaxTime=INFINITE State=UP
"""


def cluster_env() -> dict:
    """Environment for commands that talk to the running cluster (the tests export /dev/null)."""
    return dict(os.environ, SLURM_CONF=str(CONF))


class LocalSlurm:
    """Start with start() (or `with`), stop with stop(); stop() is safe to call at any point."""

    def __init__(self, state: Path = STATE):
        self.state = state
        self._lock = None

    # ---- lifecycle -----------------------------------------------------------------------------

    def start(self, lock_timeout: float = 900) -> "LocalSlurm":
        ensure_packages()
        self._acquire_lock(lock_timeout)
        try:
            self._refuse_foreign_config()
            for name in DAEMONS:
                if self._alive(name):
                    raise Unavailable(f"{name} from an earlier start is still running: run `{__file__} down`")
            shutil.rmtree(self.state, ignore_errors=True)  # fresh state: no drained node, job ids from 1
            for sub in ("munge", "ctld", "slurmd", "pids"):
                (self.state / sub).mkdir(parents=True, exist_ok=True)
            os.chmod(self.state, 0o755)
            os.chmod(self.state / "munge", 0o755)  # munge's socket folder must be world-executable
            key = self.state / "munge" / "munge.key"
            key.write_bytes(os.urandom(1024))
            key.chmod(0o400)
            CONF.parent.mkdir(parents=True, exist_ok=True)
            CONF.write_text(slurm_conf(self.state))
            m = self.state / "munge"
            # --origin: no lookup of this host's name; --force: as root, with our own key.
            self._spawn("munged", [
                "munged", "-F", "--force", "--origin=127.0.0.1", f"--socket={m}/munge.socket",
                f"--key-file={key}", f"--pid-file={m}/munged.pid", f"--log-file={m}/munged.log",
                f"--seed-file={m}/munged.seed",
            ])
            self._wait(lambda: (m / "munge.socket").exists(), 20, "munged did not create its socket")
            # /usr/sbin/slurmctld, not slurmctld-wlm: the alternatives link is the tested way.
            self._spawn("slurmctld", ["/usr/sbin/slurmctld", "-D", "-f", str(CONF)])
            self._wait(lambda: self.scontrol("ping").returncode == 0, 30, "slurmctld does not answer")
            self._spawn("slurmd", ["/usr/sbin/slurmd", "-D", "-N", "localhost", "-f", str(CONF)])
            self._wait(self._node_idle, 60, "the node did not become idle")
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """scancel every job, then end the daemons this harness started, by their saved PIDs."""
        try:
            if self._alive("slurmctld"):
                _run("scancel", "--user=root", env=cluster_env(), timeout=30)
                self._wait(lambda: not self.squeue("-t", "PD,R,CG", "-o", "%i").strip(), 30, None)
            for name in reversed(DAEMONS):
                self._terminate(name)
        finally:
            if self._lock is not None:
                self._lock.close()
                self._lock = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # ---- queries -------------------------------------------------------------------------------

    def squeue(self, *args: str) -> str:
        """squeue -h ARGS (finished jobs stay listed for MinJobAge = 300 s)."""
        return _run("squeue", "-h", *args, env=cluster_env(), timeout=30).stdout

    def scontrol(self, *args: str) -> subprocess.CompletedProcess:
        return _run("scontrol", *args, env=cluster_env(), timeout=30)

    def log(self, name: str) -> str:
        path = self.state / ("munge/munged.log" if name == "munged" else f"{name}.log")
        return path.read_text(errors="replace") if path.exists() else ""

    # ---- helpers -------------------------------------------------------------------------------

    def _acquire_lock(self, timeout: float) -> None:
        self._lock = open(LOCK, "w")
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    self._lock.close()
                    self._lock = None
                    raise Unavailable(f"another session holds the local Slurm cluster ({LOCK})")
                time.sleep(2)

    @staticmethod
    def _refuse_foreign_config() -> None:
        if CONF.exists() and MARK not in CONF.read_text(errors="replace"):
            raise Unavailable(f"{CONF} exists and was not written by this harness; not overwriting it")

    def _pidfile(self, name: str) -> Path:
        return self.state / "pids" / f"{name}.pid"

    def _spawn(self, name: str, cmd: list[str]) -> None:
        """Run a daemon in the foreground in a session of its own (setsid) and save its PID."""
        with open(self.state / f"{name}.out", "w") as out:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                    start_new_session=True, env=cluster_env())
        self._pidfile(name).write_text(f"{proc.pid} {os.path.realpath(shutil.which(cmd[0]))}\n")

    def _saved(self, name: str) -> tuple[int, str] | None:
        try:
            pid, exe = self._pidfile(name).read_text().split()
            return int(pid), exe
        except (OSError, ValueError):
            return None

    def _alive(self, name: str) -> bool:
        """The saved PID still runs the binary we started (guards against a reused PID)."""
        saved = self._saved(name)
        if saved is None:
            return False
        try:
            running = Path(f"/proc/{saved[0]}/stat").read_text().split()[2] != "Z"
            return running and os.path.realpath(f"/proc/{saved[0]}/exe") == saved[1]
        except OSError:
            return False

    def _terminate(self, name: str) -> None:
        if not self._alive(name):
            return
        pid = self._saved(name)[0]
        for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                break
            if self._wait(lambda: not self._alive(name), wait, None):
                break
        try:
            os.waitpid(pid, os.WNOHANG)  # reap it when it is our child
        except ChildProcessError:
            pass
        self._pidfile(name).unlink(missing_ok=True)

    def _node_idle(self) -> bool:
        return _run("sinfo", "-h", "-n", "localhost", "-o", "%T", env=cluster_env()).stdout.strip() == "idle"

    def _wait(self, ready, timeout: float, error: str | None) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if ready():
                return True
            time.sleep(0.3)
        if error:
            logs = {n: self.log(n)[-1500:] for n in DAEMONS}
            raise RuntimeError(f"local Slurm: {error}; daemon logs: {logs}")
        return False


def main(argv: list[str]) -> int:
    cluster = LocalSlurm()
    if argv[1:] == ["up"]:
        cluster.start()
        cluster._lock.close()  # the daemons outlive this process; `down` stops them by PID
        print(f"local Slurm is up: partition {PARTITION}, config {CONF}; stop it with: {argv[0]} down")
    elif argv[1:] == ["down"]:
        cluster.stop()
        print("local Slurm is down")
    else:
        print(f"usage: {argv[0]} up|down", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
