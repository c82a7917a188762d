#!/usr/bin/env python3
"""An S3 server on loopback with authentication ON, for the S3 blob storage tests.

moto's server (PyPI `moto[server]`, installed by .ci/run into .build/client-venv) checks no
signature by default. With INITIAL_NO_AUTH_ACTION_COUNT=N it lets the first N actions through
unchecked and authenticates every later request against its IAM users (moto/core/authorization.py).
This script uses exactly those N actions to create an IAM user with an S3 policy, its access key
and the bucket, so that from then on a request signed with a wrong secret, or signed wrongly, is
refused (SignatureDoesNotMatch).

S3_UPLOAD_PART_MIN_SIZE lowers S3's 5 MiB minimum part size, so that tests can force multipart
uploads with small data.

Prints one JSON line on standard output, then serves until its standard input closes (so that
it ends with the test process that started it, however that ends) or it is killed:
    {"endpoint": "http://127.0.0.1:PORT", "bucket": "...", "region": "us-east-1",
     "accessKeyId": "...", "secretAccessKey": "..."}

usage: s3-test-server.py [--bucket NAME] [--min-part-size BYTES] [--access-log]
"""
import argparse
import json
import os
import socket
import sys

SETUP_ACTIONS = 4  # CreateUser, PutUserPolicy, CreateAccessKey, CreateBucket (below)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bucket", default="artifact-store-test")
    parser.add_argument("--min-part-size", type=int, default=256)
    parser.add_argument("--access-log", action="store_true", help="log every request on standard error (bench-cluster.sh counts them)")
    arguments = parser.parse_args()

    # Read by moto.settings when moto is imported: set them first.
    os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = str(SETUP_ACTIONS)
    os.environ["S3_UPLOAD_PART_MIN_SIZE"] = str(arguments.min_part_size)
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

    import boto3
    from botocore.config import Config
    from moto.server import ThreadedMotoServer

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=arguments.access_log)
    # Its start-up line goes to standard error: standard output carries only the JSON line.
    stdout, sys.stdout = sys.stdout, sys.stderr
    server.start()
    sys.stdout = stdout
    endpoint = f"http://127.0.0.1:{port}"

    setup = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="setup",
                 aws_secret_access_key="setup", config=Config(retries={"max_attempts": 1}))
    iam = boto3.client("iam", **setup)
    iam.create_user(UserName="artifact-store")
    iam.put_user_policy(UserName="artifact-store", PolicyName="s3", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
    }))
    key = iam.create_access_key(UserName="artifact-store")["AccessKey"]
    s3 = boto3.client("s3", **setup)
    s3.create_bucket(Bucket=arguments.bucket)

    print(json.dumps({"endpoint": endpoint, "bucket": arguments.bucket, "region": "us-east-1",
                      "accessKeyId": key["AccessKeyId"], "secretAccessKey": key["SecretAccessKey"]}), flush=True)
    sys.stdin.read()
    os._exit(0)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
