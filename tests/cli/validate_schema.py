"""validate_schema.py SCHEMA INSTANCE [DEF]: exit 0 when valid, 1 when not (or
when INSTANCE is not strict JSON), 3 on error. With DEF, validate against
SCHEMA's $defs/DEF instead of the whole schema."""
import json, math, sys
try:
    import jsonschema
    from jsonschema.validators import validator_for
except ImportError as exc:
    print(f"missing dependency: python3-jsonschema ({exc})", file=sys.stderr)
    sys.exit(3)

def no_dups(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError("duplicate key")
    return dict(pairs)

def finite(s):
    v = float(s)
    if not math.isfinite(v):
        raise ValueError("number out of range")
    return v

def bad_constant(s):
    raise ValueError(f"{s} is not JSON")

with open(sys.argv[1]) as f:
    schema = json.load(f)
try:
    with open(sys.argv[2], encoding="utf-8") as f:
        inst = json.load(f, object_pairs_hook=no_dups, parse_float=finite,
                         parse_constant=bad_constant)
except ValueError as exc:
    print(f"invalid JSON: {exc}", file=sys.stderr)
    sys.exit(1)
cls = validator_for(schema, default=None)
if cls is None or cls.__name__ != "Draft202012Validator":
    print(f"{sys.argv[1]}: not a draft 2020-12 schema", file=sys.stderr)
    sys.exit(3)
try:
    cls.check_schema(schema)
except jsonschema.exceptions.SchemaError as exc:
    print(f"{sys.argv[1]}: bad schema: {exc.message}", file=sys.stderr)
    sys.exit(3)
if len(sys.argv) > 3:
    if sys.argv[3] not in schema.get("$defs", {}):
        print(f"{sys.argv[1]}: no $defs/{sys.argv[3]}", file=sys.stderr)
        sys.exit(3)
    schema = {"$schema": schema["$schema"], "$defs": schema["$defs"],
              "$ref": "#/$defs/" + sys.argv[3]}
try:
    jsonschema.validate(inst, schema, cls=cls,
                        format_checker=cls.FORMAT_CHECKER)
except jsonschema.exceptions.ValidationError as exc:
    path = "/".join(str(p) for p in exc.absolute_path)
    print(f"invalid at /{path}: {exc.message[:200]}", file=sys.stderr)
    sys.exit(1)
