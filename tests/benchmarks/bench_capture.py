"""Benchmark `tactful sync`: a first sync of a 10,000-message mailbox against 200 applications,
next to a plain fetch of the same header fields (the floor), and a second sync with nothing new.

Not a pytest test: a script that prints figures. Run from the repository root:

    python tests/benchmarks/bench_capture.py                  # 10,000 messages, 200 applications, 3 runs
    python tests/benchmarks/bench_capture.py --messages 2000 --runs 1

How it works: a Dovecot of its own on 127.0.0.1 (tests/imapserver.py; TLS, as a user's
provider) gets the messages by IMAP APPEND: a tenth in Sent (to the applications'
interviewers), the rest in INBOX, of which one in ten comes from an application's domain (a
third of those threaded to a sent message) and the others from strangers. 200 applications are
imported with `tactful import`. Each run copies the home and runs, in a subprocess as a user
would:

* **first sync**: `tactful sync --json` with nothing read yet: its wall time, and its peak
  memory (the process's own VmHWM);
* **second sync**: `tactful sync --json` again, with nothing new (goal: at most 1 s);
* **floor**: in this process, IMAPClient (the library tactful uses; imap-tools fetches whole
  headers, not chosen fields) logging in over TLS and fetching, 500 at a time, the same header
  fields, INTERNALDATE and BODYSTRUCTURE of every message of both folders: the least a sync must
  ask the server for.

It prints the medians, the time per message of the first sync and of the floor, and the load
average (os.getloadavg) before and after: the machine may be shared.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from imapclient import IMAPClient  # noqa: E402

from tactful.capture.imap import _HEADER  # noqa: E402
from tests import imapserver  # noqa: E402
from tests.benchmarks.userenv import cli_env  # noqa: E402

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
#: Runs the CLI in this interpreter and prints its peak memory (VmHWM, kB) to stderr at exit.
PROBE = ("import sys\nfrom tactful.cli.main import main\nsys.argv = ['tactful', *sys.argv[1:]]\ntry:\n    main()\n"
         "finally:\n    hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]\n"
         "    print('HWM', hwm, file=sys.stderr)\n")  # fmt: skip


def mail(sender: str, to: str, subject: str, when: datetime, msgid: str, reply_to: str | None = None) -> bytes:
    made = EmailMessage()
    made["From"], made["To"], made["Subject"] = sender, to, subject
    made["Date"], made["Message-ID"] = format_datetime(when), msgid
    if reply_to:
        made["In-Reply-To"], made["References"] = reply_to, reply_to
    made.set_content("Hello,\n\nThank you for your time.\n\nBest regards\n" * 5)
    return bytes(made)


def mailbox(total: int, apps: int) -> dict[str, list[bytes]]:
    """The messages of each folder (see the module's docstring)."""
    me, folders = imapserver.USER, {"Sent": [], "INBOX": []}
    base = NOW - timedelta(days=20)
    sent = total // 10
    for n in range(sent):
        a = n % apps
        folders["Sent"].append(mail(me, f"hr{a}@company{a}.example", f"Thank you {n}", base + timedelta(minutes=n),
                                    f"<sent-{n}@home.example>"))  # fmt: skip
    for n in range(total - sent):
        when = base + timedelta(days=1, minutes=n)
        if n % 10 == 0:
            a = n // 10 % apps
            reply = f"<sent-{n // 10}@home.example>" if n % 30 == 0 and n // 10 < sent else None
            folders["INBOX"].append(mail(f"hr{a}@company{a}.example", me, f"Re: your application {n}", when,
                                         f"<in-{n}@company{a}.example>", reply))  # fmt: skip
        else:
            folders["INBOX"].append(mail(f"someone{n}@stranger{n % 97}.example", me, f"News {n}", when,
                                         f"<in-{n}@stranger.example>"))  # fmt: skip
    return folders


def client(server: imapserver.Dovecot) -> IMAPClient:
    made = IMAPClient("127.0.0.1", port=server.tls_port, ssl=True,
                      ssl_context=ssl.create_default_context(cafile=str(server.ca)), timeout=120)  # fmt: skip
    made.login(server.user, server.password)
    return made


def floor(server: imapserver.Dovecot) -> float:
    """Seconds to fetch what a first sync fetches of every message (see the docstring)."""
    start = time.perf_counter()
    imap = client(server)
    for folder in ("Sent", "INBOX"):
        imap.select_folder(folder, readonly=True)
        uids = sorted(imap.search("ALL"))
        for at in range(0, len(uids), 500):
            imap.fetch(uids[at : at + 500], [_HEADER, b"INTERNALDATE", b"BODYSTRUCTURE"])
    imap.logout()
    return time.perf_counter() - start


def sync(home: Path, server: imapserver.Dovecot) -> tuple[float, int, dict[str, object]]:
    """Wall seconds, peak kB and the JSON of one `tactful sync --json`."""
    env = cli_env(HOME=str(home), NOW=NOW.isoformat(), TZ="UTC",
                  IMAP_PASSWORD=server.password)  # fmt: skip
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", PROBE, "sync", "--json"], capture_output=True, text=True, env=env,
                          timeout=1800)  # fmt: skip
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"sync failed:\n{done.stderr[-3000:]}")
    peak = int(next(line for line in done.stderr.splitlines() if line.startswith("HWM")).split()[1])
    return took, peak, json.loads(done.stdout)


def prepare(folder: Path, server: imapserver.Dovecot, apps: int) -> Path:
    home = folder / "home"
    home.mkdir()
    (home / "config.yaml").write_text(
        f"mailbox:\n  host: 127.0.0.1\n  port: {server.tls_port}\n  security: tls\n  username: {server.user}\n"
        f"  ca_file: {server.ca}\n  timeout: 120\n"
    )
    rows = folder / "apps.csv"
    with rows.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["company", "interviewed", "email"])
        for a in range(apps):
            writer.writerow([f"Company{a}", "2026-05-01", f"jane{a}@company{a}.example"])
    env = cli_env(HOME=str(home), NOW=NOW.isoformat(), TZ="UTC")
    subprocess.run([str(Path(sys.executable).parent / "tactful"), "import", str(rows)], check=True, env=env,
                   capture_output=True)  # fmt: skip
    return home


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--apps", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp, imapserver.dovecot() as server:
        folder = Path(tmp)
        imap = client(server)
        for name, messages in mailbox(args.messages, args.apps).items():
            for at in range(0, len(messages), 1000):
                imap.multiappend(name, messages[at : at + 1000])
        imap.logout()
        print(f"mailbox: {args.messages:,} messages, {args.apps} applications", file=sys.stderr)
        template = prepare(folder, server, args.apps)
        firsts, peaks, seconds, floors, proposed = [], [], [], [], 0
        for run in range(args.runs):
            home = folder / f"run{run}"
            shutil.copytree(template, home)
            took, peak, report = sync(home, server)
            assert report["read"] == args.messages, report["read"]
            proposed = len(report["proposed"])  # type: ignore[arg-type]
            again, _, second = sync(home, server)
            assert second["read"] == 0 and second["proposed"] == [], second
            floors.append(floor(server))
            firsts.append(took)
            peaks.append(peak)
            seconds.append(again)
            print(f"run {run + 1}: first {took:.2f} s, second {again:.2f} s, floor {floors[-1]:.2f} s", file=sys.stderr)
    load_after = os.getloadavg()
    first, flo = statistics.median(firsts), statistics.median(floors)
    print(f"messages {args.messages:,}, applications {args.apps}, proposals {proposed}, runs {args.runs}")
    per = first / args.messages * 1e6
    print(f"first sync    {first:7.2f} s  {per:6.0f} µs/message  peak {max(peaks) / 1024:.0f} MB")
    print(f"floor         {flo:7.2f} s  {flo / args.messages * 1e6:6.0f} µs/message  (IMAPClient, same fields)")
    print(f"ratio         {first / flo:7.2f}")
    print(f"second sync   {statistics.median(seconds):7.2f} s  (goal: at most 1 s)")
    print(f"load average  before {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}, "
          f"after {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f} (2 cores, shared)")  # fmt: skip


if __name__ == "__main__":
    main()
