#!/usr/bin/env python3
"""Translate template.yaml with the SAM transform, offline, and print the
resulting CloudFormation as JSON. Used by template_test.go.

usage: sam_translate.py template.yaml
"""
import json
import os
import sys

# The transform resolves pseudo parameters with a region; any will do.
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

from samtranslator.public.exceptions import InvalidDocumentException
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse


class BasicPolicies:
    """Stands in for ManagedPolicyLoader, which would call IAM."""

    def load(self):
        return {"AWSLambdaBasicExecutionRole": "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}


def main():
    with open(sys.argv[1]) as f:
        tpl = yaml_parse(f.read())
    # `sam package` replaces a local CodeUri with the uploaded object.
    for r in tpl["Resources"].values():
        if r["Type"] == "AWS::Serverless::Function":
            r["Properties"]["CodeUri"] = "s3://example-bucket/placeholder.zip"
    try:
        out = transform(tpl, {}, BasicPolicies())
    except InvalidDocumentException as e:
        for c in e.causes:
            print("ERROR:", c.message, file=sys.stderr)
        sys.exit(1)
    json.dump(out, sys.stdout, indent=1, default=str)


if __name__ == "__main__":
    main()
