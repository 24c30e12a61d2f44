"""`cityhub`: the operations command line.

  cityhub run NAME [--replica N] run one deployable (identity, payments, ..., gateway)
  cityhub migrate [NAME ...]     apply database migrations (all by default)
  cityhub seed                   load demo data and the sandbox partner
  cityhub topology [--users [--new-passwords]]
                                 move queues of an earlier release (with their messages),
                                 then declare every exchange, queue and binding; with
                                 --users, one broker user per deployable and one for ops,
                                 each allowed only what it uses (new passwords shown once)
  cityhub partner create APP_ID [--kiosk-for INSTITUTION]
                                 add a partner (an institution's check-in kiosk);
                                 prints {"app_id", "secret"}
  cityhub partner limits APP_ID [--per-minute N] [--sensitive-per-minute N] [--default]
                                 show or set a partner's rate limits (requests a minute,
                                 and a minute per citizen on sensitive routes)
  cityhub matters report [--since DAY]
                                 好差评: ratings and rectification tasks by agency
  cityhub clock [advance S | set MOMENT | reset]
                                 the sandbox clock every service reads (not in production)
  cityhub bills refresh          fetch new bills for every linked account (daily)
  cityhub payments refund ID --amount FEN --refundable FEN --request-no R --reason TEXT
                                 refund a payment (412 unless FEN is still refundable)
  cityhub ledger check           the ledger balances: every movement, and in all
  cityhub reconcile [--date D]   the provider's statement of city day D (yesterday)
                                 against the ledger and the agencies' write-offs
  cityhub dlq list               dead-letter depth of every handler
  cityhub dlq replay QUEUE       move a handler's dead letters back to its queue
  cityhub sandbox serve          run the sandboxes of outside systems (development only)
  cityhub sandbox sms PHONE      what the SMS sandbox was asked to send to PHONE
  cityhub sandbox mail ADDRESS   what the mail sandbox received for ADDRESS
"""

import argparse
import json
import sys
import warnings

from cityhub.deployables import DEPLOYABLES


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="cityhub", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run one deployable")
    run.add_argument("name", choices=list(DEPLOYABLES))
    run.add_argument("--replica", type=int, default=1,
                     help="which replica this is, from 1: its metrics port is 10 per "
                          "replica above the first's (several need PostgreSQL)")
    run.add_argument("--check", action="store_true",
                     help="only say whether it could start (exit 2 and why if not)")
    migrate = commands.add_parser("migrate", help="apply migrations")
    migrate.add_argument("names", nargs="*")
    commands.add_parser("seed", help="load demo data and the sandbox partner")
    topology = commands.add_parser("topology", help="declare all queues and bindings")
    topology.add_argument("--users", action="store_true",
                          help="and make the broker users, with their permissions")
    topology.add_argument("--new-passwords", action="store_true",
                          help="with --users: give every user a new password")
    partner = commands.add_parser("partner", help="manage partners")
    partner_commands = partner.add_subparsers(dest="action", required=True)
    create = partner_commands.add_parser("create", help="add a partner")
    create.add_argument("app_id")
    create.add_argument("--kiosk-for", metavar="INSTITUTION",
                        help="the partner is this institution's check-in kiosk")
    limits = partner_commands.add_parser("limits", help="show or set a partner's rate limits")
    limits.add_argument("app_id")
    limits.add_argument("--per-minute", type=int, help="requests a minute, all routes")
    limits.add_argument("--sensitive-per-minute", type=int,
                        help="requests a minute for one citizen on sensitive routes "
                             "(phone and e-mail codes, real name, face)")
    limits.add_argument("--default", action="store_true",
                        help="back to the settings' defaults")
    bills = commands.add_parser("bills", help="bills from the agencies")
    bills_commands = bills.add_subparsers(dest="action", required=True)
    bills_commands.add_parser("refresh", help="fetch new bills for every linked account")
    payments = commands.add_parser("payments", help="payment orders")
    payments_commands = payments.add_subparsers(dest="action", required=True)
    refund = payments_commands.add_parser("refund", help="refund a payment, in part or whole")
    refund.add_argument("payment_id")
    refund.add_argument("--amount", type=int, required=True, help="fen to refund")
    refund.add_argument("--refundable", type=int, required=True,
                        help="fen you believe is refundable now (GET the payment)")
    refund.add_argument("--request-no", required=True, help="your own number for this refund")
    refund.add_argument("--reason", required=True)
    ledger = commands.add_parser("ledger", help="the double-entry ledger")
    ledger_commands = ledger.add_subparsers(dest="action", required=True)
    ledger_commands.add_parser("check", help="every movement and the whole ledger balance")
    reconcile = commands.add_parser("reconcile", help="match a day's statement and ledger")
    reconcile.add_argument("--date", help="the city day, YYYY-MM-DD (default: yesterday)")
    holidays = commands.add_parser("holidays", help="the working-day calendar (matters)")
    holidays_commands = holidays.add_subparsers(dest="action", required=True)
    listing = holidays_commands.add_parser("list", help="the days the weekday rule gets wrong")
    listing.add_argument("--year", type=int)
    day_set = holidays_commands.add_parser("set", help="make a weekday a day off, or a "
                                                       "weekend day a working day (调休)")
    day_set.add_argument("day", help="YYYY-MM-DD")
    kind = day_set.add_mutually_exclusive_group(required=True)
    kind.add_argument("--off", dest="working", action="store_false")
    kind.add_argument("--working", dest="working", action="store_true")
    day_set.add_argument("--name", required=True, help="e.g. 国庆节 National Day")
    clear = holidays_commands.add_parser("clear", help="a day back to the weekday rule")
    clear.add_argument("day", help="YYYY-MM-DD")
    matters = commands.add_parser("matters", help="citizens' matters")
    matters_commands = matters.add_subparsers(dest="action", required=True)
    report = matters_commands.add_parser("report", help="ratings and rectification tasks "
                                                        "by agency")
    report.add_argument("--since", help="from this city day, YYYY-MM-DD (default: all)")
    dlq = commands.add_parser("dlq", help="dead-letter queues")
    dlq_commands = dlq.add_subparsers(dest="action", required=True)
    dlq_commands.add_parser("list", help="dead-letter depth of every handler")
    replay = dlq_commands.add_parser("replay", help="move dead letters back to their queue")
    replay.add_argument("queue", help="the handler queue, e.g. notify.on_citizen_registered")
    replay.add_argument("--limit", type=int, default=None)
    clock = commands.add_parser("clock", help="the sandbox clock (CITYHUB_SANDBOX_CLOCK=1)")
    clock_commands = clock.add_subparsers(dest="action")
    advance = clock_commands.add_parser("advance", help="move every service's now on")
    advance.add_argument("seconds", type=float)
    to = clock_commands.add_parser("set", help="make every service's now this moment")
    to.add_argument("moment", help="ISO 8601 with an offset, e.g. 2026-12-02T06:59:50+08:00")
    clock_commands.add_parser("reset", help="back to the real clock")
    sandbox = commands.add_parser("sandbox", help="stand-ins for outside systems")
    sandbox_commands = sandbox.add_subparsers(dest="action", required=True)
    sandbox_commands.add_parser("serve", help="population registry and SMS gateway, HTTP")
    sms = sandbox_commands.add_parser("sms", help="messages the SMS sandbox was asked to send")
    sms.add_argument("phone")
    mail = sandbox_commands.add_parser("mail", help="mail the mail sandbox received")
    mail.add_argument("address")
    args = parser.parse_args(argv)
    # eventlet announces its own deprecation on import; hide that message only.
    warnings.filterwarnings("ignore", message=r"(?s).*Eventlet is deprecated")

    if args.command == "run":
        from cityhub.runner import RefusedToStart
        from cityhub.runner import run as run_deployable

        try:
            run_deployable(args.name, args.replica, only_check=args.check)
        except RefusedToStart as refused:
            print(f"cityhub run: {refused}", file=sys.stderr)
            return 2
        return 0

    if args.command == "sandbox":
        return run_sandbox(args)

    from chassis.settings import get_settings
    from cityhub import operations

    settings = get_settings()
    try:
        if args.command == "migrate":
            operations.migrate(settings, args.names)
        elif args.command == "seed":
            print(json.dumps(operations.seed(settings)))
        elif args.command == "topology":
            done = operations.declare_topology(settings)
            if args.users:
                from cityhub import broker_users

                done["users"] = broker_users.apply(settings, args.new_passwords)
            print(json.dumps(done))
        elif args.command == "partner" and args.action == "limits":
            print(json.dumps(operations.partner_limits(
                settings, args.app_id, args.per_minute, args.sensitive_per_minute,
                args.default)))
        elif args.command == "partner":
            print(json.dumps(operations.create_partner(settings, args.app_id, args.kiosk_for)))
        elif args.command == "bills":
            summary = operations.refresh_bills(settings)
            print(json.dumps(summary))
            return 1 if summary["failed"] else 0
        elif args.command == "payments":
            print(json.dumps(operations.refund(settings, args.payment_id, args.amount,
                                               args.refundable, args.request_no, args.reason)))
        elif args.command == "ledger":
            report = operations.check_ledger(settings)
            print(json.dumps(report))
            return 0 if report["balanced"] else 1
        elif args.command == "reconcile":
            summary = operations.reconcile(settings, args.date)
            print(json.dumps(summary))
            return 1 if summary["need_a_person"] else 0  # every mismatch settled: 0
        elif args.command == "clock":
            print(json.dumps(operations.move_clock(settings, args.action,
                                                   getattr(args, "seconds", None),
                                                   getattr(args, "moment", None))))
        elif args.command == "holidays":
            print(json.dumps(operations.holidays(
                settings, args.action, getattr(args, "day", None), getattr(args, "year", None),
                getattr(args, "working", None), getattr(args, "name", None)),
                ensure_ascii=False))
        elif args.command == "matters":
            print(json.dumps(operations.matters_report(settings, args.since)))
        elif args.command == "dlq" and args.action == "list":
            for row in operations.dead_letters(settings):
                print(json.dumps(row))
        elif args.command == "dlq" and args.action == "replay":
            print(json.dumps(operations.replay(settings, args.queue, args.limit)))
    except operations.OperationFailed as exc:
        print(f"cityhub: {exc}", file=sys.stderr)
        return 1
    return 0


def run_sandbox(args) -> int:
    from cityhub.runner import prepare_process

    prepare_process()
    from chassis.settings import get_settings
    from sandboxes import mail, server, sms

    settings = get_settings()
    if settings.env == "production":
        print("cityhub: sandboxes do not run in production", file=sys.stderr)
        return 1
    data_dir = settings.var_dir / "sandbox"
    if args.action == "sms":
        for message in sms.messages_to(data_dir, args.phone):
            print(json.dumps(message, ensure_ascii=False))
        return 0
    if args.action == "mail":
        for message in mail.messages_to(data_dir, args.address):
            print(json.dumps(message, ensure_ascii=False))
        return 0
    mailer = start_mail_sandbox(data_dir, settings.sandbox_host, settings.sandbox_smtp_port)
    try:
        server.serve(data_dir, host=settings.sandbox_host, port=settings.sandbox_port,
                     sms_callback_secret=settings.sms_callback_secret)
    finally:
        mailer.terminate()
    return 0


def start_mail_sandbox(data_dir, host: str, port: int):
    """The SMTP sandbox in a child process (it runs on asyncio, which the
    eventlet-patched sandbox process cannot host), ended with its parent."""
    import ctypes
    import signal
    import subprocess

    def die_with_parent():
        try:
            ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        except OSError:
            pass

    return subprocess.Popen([sys.executable, "-m", "sandboxes.mail", str(data_dir), host,
                             str(port)], preexec_fn=die_with_parent)


if __name__ == "__main__":
    sys.exit(main())
