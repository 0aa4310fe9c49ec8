#!/usr/bin/env python3
"""Derive testdata/schemas/ecs-<v>/fields.tsv from ECS's generated/ecs/ecs_flat.yml.

The export tests check ECS output against this list (every field name, its type, and whether
ECS normalises it to an array). Usage: scripts/ecs-fields.py ecs_flat.yml > fields.tsv
"""
import sys

import yaml

fields = yaml.safe_load(open(sys.argv[1]))
print("# flat_name\ttype\tarray\trequired")
for name in sorted(fields):
    f = fields[name]
    array = "array" if "array" in (f.get("normalize") or []) else ""
    required = "required" if f.get("required") else ""
    print(f"{name}\t{f['type']}\t{array}\t{required}")
