"""Running the service: ``notify dev``, ``worker``, ``web``, ``broker`` and the SMTP sink."""

from __future__ import annotations

import signal
import sys
import threading
import time
from pathlib import Path

import typer

from notify.cli.output import console, fail
from notify.settings import EMBEDDED_KAFKA_PORT, EMBEDDED_SMTP_PORT, get_settings

STORAGE_HELP = ("Wo der Broker die Nachrichten speichert (Tansu --storage-engine), z. B. s3://bucket/ für einen S3-Speicher "
                "(Zugang über AWS_*). Standard: memory:// (nach einem Neustart leer).")  # fmt: skip
DURABLE_HELP = ("Dauerhafter Broker: Nachrichten, Offsets und Gruppen liegen als Dateien in diesem Ordner und überstehen "
                "einen Neustart; stürzt der Broker ab, startet er von selbst neu. Standard: im Speicher (schneller).")  # fmt: skip


def register(app: typer.Typer) -> None:
    app.command()(dev)
    app.command()(worker)
    app.command()(web)
    app.command()(broker)
    app.command("smtp-sink")(smtp_sink)


def dev(
    demo: bool = typer.Option(
        False, "--demo", help="Beispielstadt anlegen, Beispiel-Ereignisse senden, zeigen was passiert ist."
    ),
    keep_running: bool | None = typer.Option(
        None, "--keep-running/--exit", help="Nach der Demo weiterlaufen (Standard: nur im Terminal)."
    ),
    broker_storage: str = typer.Option(None, "--broker-storage", envvar="NOTIFY_BROKER_STORAGE", help=STORAGE_HELP),
    durable: Path = typer.Option(None, "--durable", envvar="NOTIFY_BROKER_DURABLE", help=DURABLE_HELP),
) -> None:
    """Alles in einem: Broker, SMTP-Postfach, Worker und Web-API im Vordergrund. Beenden mit Strg+C."""
    from notify.devstack import DevStack, StartInterrupted
    from notify.embedded.broker import BrokerUnavailable

    settings = get_settings()
    stack = DevStack(
        settings.data_dir, kafka_port=EMBEDDED_KAFKA_PORT, smtp_port=EMBEDDED_SMTP_PORT, web_port=settings.port,
        broker_storage=broker_storage, broker_durable=durable,
    )  # fmt: skip
    if durable and broker_storage:
        fail("Bitte nur eines angeben: --durable oder --broker-storage.")
    stop = threading.Event()
    started = False

    def on_signal(signum, _frame) -> None:
        # While starting, only a flag: DevStack gives up between two steps, so the signal never
        # lands inside subprocess.Popen (a child half-started and never stopped). Once everything
        # runs, Ctrl-C interrupts the demo as usual.
        stop.set()
        stack.interrupted.set()
        if started and signum == signal.SIGINT:
            raise KeyboardInterrupt

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        try:
            with console.status("Starte Broker, SMTP-Postfach, Worker und Web-API …"):
                stack.start()
        except StartInterrupted:
            return
        except (BrokerUnavailable, RuntimeError, TimeoutError) as exc:
            fail(str(exc))
        started = True
        console.print(f"[green]Stadtbote läuft.[/] Web-API: {stack.web_url}  ·  Logs: {stack.log_dir}")
        if demo:
            from notify.demo import run_demo

            run_demo(stack, console)
            if keep_running is None:
                keep_running = sys.stdin.isatty()
            if not keep_running:
                return
        console.print("Beenden mit [bold]Strg+C[/].")
        while not stop.is_set():
            for name, proc in stack.procs.items():
                if proc.poll() is not None:
                    fail(
                        f"{name} ist unerwartet beendet (Code {proc.returncode}). Siehe {stack.log_dir / (name + '.log')}",
                        1,
                    )
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass  # Ctrl-C at any moment ends in the same clean stop
    finally:
        # A second Ctrl-C must not cut the shutdown short (children left running, exit by signal).
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        with console.status("Fahre alles herunter …"):
            stack.stop()
        console.print("Alles beendet.")


def worker(loglevel: str = typer.Option("info", "--loglevel", "-l")) -> None:
    """Der Faust-Worker: prüft, verteilt und versendet Nachrichten."""
    import gc

    # Start-up builds millions of objects that live as long as the worker (modules, the match
    # index, the language data): the cyclic collector would walk them again and again while they
    # load. notify/worker_boot.py freezes them and turns it back on once the worker is ready.
    gc.disable()
    from notify.worker import run

    run(loglevel)


def web(
    port: int = typer.Option(None, "--port", help="Standard: PORT oder 8000"),
    host: str = typer.Option("127.0.0.1", "--host"),
) -> None:
    """Die Web-API und die Seiten."""
    import uvicorn

    from notify.web.app import create_app

    uvicorn.run(create_app(), host=host, port=port or get_settings().port, log_level="warning",
                proxy_headers=True, forwarded_allow_ips="127.0.0.1")  # fmt: skip


def broker(
    port: int = typer.Option(EMBEDDED_KAFKA_PORT, "--port"),
    host: str = typer.Option("127.0.0.1", "--host"),
    storage: str = typer.Option(None, "--storage", envvar="NOTIFY_BROKER_STORAGE", help=STORAGE_HELP),
    durable: Path = typer.Option(None, "--durable", envvar="NOTIFY_BROKER_DURABLE", help=DURABLE_HELP),
) -> None:
    """Der eingebettete Kafka-kompatible Broker (Tansu, für Entwicklung und Tests)."""
    from notify.embedded.broker import BrokerUnavailable, start_broker

    if durable:
        if storage:
            fail("Bitte nur eines angeben: --durable oder --storage.")
        _durable_broker(host, port, durable)
        return
    try:
        proc = start_broker(host, port, storage=storage)
    except BrokerUnavailable as exc:
        fail(str(exc))
    console.print(f"Broker läuft auf {host}:{port}" + (f", Speicher: {storage.split('@')[-1]}." if storage else "."))
    _wait_then_stop(lambda: (proc.send_signal(signal.SIGTERM), proc.wait(10)))


def _durable_broker(host: str, port: int, data_dir: Path) -> None:
    from notify.embedded.broker import BrokerUnavailable
    from notify.embedded.durable import DurableBroker

    try:
        broker = DurableBroker(data_dir, host, port).start()
    except BrokerUnavailable as exc:
        fail(str(exc))
    assert broker.store is not None
    console.print(
        f"Dauerhafter Broker läuft auf {host}:{port}, Daten in {data_dir} (Objektspeicher {broker.store.url})."
    )
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    try:
        while not done.wait(0.5):
            time.sleep(0.5)  # a Tansu stopped by the same signal as this process is not restarted
            if not done.is_set() and (said := broker.check()):
                console.print(said)
    except BrokerUnavailable as exc:
        console.print(f"[red]Der Broker startet nicht wieder:[/] {exc}")
        raise typer.Exit(1) from None
    finally:
        broker.stop()


def smtp_sink(
    port: int = typer.Option(EMBEDDED_SMTP_PORT, "--port"),
    maildir: Path = typer.Option(None, "--maildir", help="Standard: <Datenordner>/mail"),
) -> None:
    """Das eingebettete SMTP-Postfach: nimmt E-Mails an und legt sie als Maildir ab."""
    from notify.embedded.smtp_sink import start_sink

    target = maildir or get_settings().mail_dir
    controller = start_sink(target, port=port)
    console.print(f"SMTP-Postfach auf 127.0.0.1:{port}, E-Mails landen in {target}.")
    _wait_then_stop(controller.stop)


def _wait_then_stop(stop) -> None:
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    done.wait()
    stop()
