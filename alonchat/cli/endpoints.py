"""`endpoints`: OpenAI-compatible endpoints from the terminal (add, list, update, enable, what they serve, remove)."""

from __future__ import annotations

import json

from ..catalog import endpoints
from . import CLIError, add_command


def register(sub) -> None:
    p = add_command(sub, "endpoints")
    cmd = p.add_subparsers(dest="endpoints_command", required=True)

    c = cmd.add_parser("add", help="add an endpoint; its models use its name as their provider")
    c.add_argument("--name", required=True, help=endpoints.EndpointInput.model_fields["name"].description)
    c.add_argument("--base-url", required=True, help=endpoints.EndpointInput.model_fields["base_url"].description)
    c.add_argument("--key-env", metavar="VAR", help="name of the env var holding the key; omit for local servers")
    c.add_argument("--description", default="")
    c.add_argument("--disabled", action="store_true", help="add it disabled")
    c.set_defaults(func=run_add)

    c = cmd.add_parser("update", help="change an endpoint's base URL, key variable, notes or state (audited)")
    c.add_argument("name", metavar="NAME")
    c.add_argument("--base-url", help=endpoints.EndpointInput.model_fields["base_url"].description)
    c.add_argument("--key-env", metavar="VAR", help="name of the env var holding the key; '' for a keyless server")
    c.add_argument("--description")
    state = c.add_mutually_exclusive_group()
    state.add_argument("--enable", dest="enabled", action="store_true", default=None, help="enable it as well")
    state.add_argument("--disable", dest="enabled", action="store_false", help="disable it as well")
    c.set_defaults(func=run_update)

    c = cmd.add_parser("list", help="endpoints, whether enabled and configured, and their catalog models")
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=run_list)

    c = cmd.add_parser("models", help="ask the endpoint which models it serves (GET /v1/models)")
    c.add_argument("name", metavar="NAME")
    c.add_argument("--json", action="store_true")
    c.add_argument("--add", metavar="MODEL_ID", action="append", default=[],
                   help="also add this served model to the catalog (repeatable)")
    c.set_defaults(func=run_models)

    c = cmd.add_parser("remove", help="remove an endpoint that no catalog model uses")
    c.add_argument("name", metavar="NAME")
    c.set_defaults(func=run_remove)

    for name, enabled in (("enable", True), ("disable", False)):
        c = cmd.add_parser(name, help=f"{name} an endpoint")
        c.add_argument("name", metavar="NAME")
        c.set_defaults(func=run_enabled, enabled=enabled)


def run_add(args) -> int:
    info = endpoints.create_endpoint({"name": args.name, "base_url": args.base_url, "api_key_env": args.key_env,
                                      "description": args.description, "enabled": not args.disabled})
    print(f"added endpoint {info.name} ({info.base_url})")
    return 0


def run_update(args) -> int:
    changes = {field: value for field, value in (("base_url", args.base_url), ("api_key_env", args.key_env),
                                                 ("description", args.description), ("enabled", args.enabled))
               if value is not None}
    if not changes:
        raise CLIError("nothing to change: give --base-url, --key-env, --description, --enable or --disable")
    info = endpoints.update_endpoint(args.name, changes)
    key = f"key in {info.api_key_env}" if info.api_key_env else "no key"
    print(f"updated endpoint {info.name}: {info.base_url}, {key}, {'enabled' if info.enabled else 'disabled'}")
    return 0


def run_list(args) -> int:
    rows = endpoints.list_endpoints()
    if args.json:
        print(json.dumps([r.to_json() for r in rows], indent=2, ensure_ascii=False))
        return 0
    for r in rows:
        state = "enabled" if r.enabled else "disabled"
        key = f"key in {r.api_key_env}" + ("" if r.configured else " (not set)") if r.api_key_env else "no key"
        print(f"{r.name:<16} {state:<9} {r.base_url:<40} {key:<30} {r.models} model{'s' if r.models != 1 else ''}")
    return 0


def run_models(args) -> int:
    if args.add:
        added = endpoints.add_served_models(args.name, args.add)
        print(f"added {', '.join(m.name for m in added)}")
        return 0
    ids = endpoints.served_models(args.name)
    if args.json:
        print(json.dumps(ids, indent=2, ensure_ascii=False))
    else:
        print("\n".join(ids) if ids else f"{args.name} reports no models")
    return 0


def run_remove(args) -> int:
    endpoints.remove_endpoint(args.name)
    print(f"removed endpoint {args.name}")
    return 0


def run_enabled(args) -> int:
    info = endpoints.set_enabled(args.name, args.enabled)
    print(f"{info.name} is now {'enabled' if info.enabled else 'disabled'}")
    return 0
