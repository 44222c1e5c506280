"""The e2e program (tests/e2e/program, copied beside this file as ``e2e_program.py``) with resource
options from ``spec.json``: ``{"options": {"CustomDomain:login": {"delete_before_replace": true}}}``,
keyed by resource class and name, the way a user adds ``opts=`` to one resource of their program."""

import json
import runpy
from pathlib import Path
from typing import Optional

import pulumi

HERE = Path(__file__).parent
OPTIONS = json.loads((HERE / "spec.json").read_text()).get("options", {})


def with_options(args: pulumi.ResourceTransformationArgs) -> Optional[pulumi.ResourceTransformationResult]:
    extra = OPTIONS.get(f"{type(args.resource).__name__}:{args.name}")
    if not extra:
        return None
    return pulumi.ResourceTransformationResult(
        args.props, pulumi.ResourceOptions.merge(args.opts, pulumi.ResourceOptions(**extra)))


pulumi.runtime.register_stack_transformation(with_options)
runpy.run_path(str(HERE / "e2e_program.py"), run_name="__main__")
