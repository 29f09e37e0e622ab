"""
One app process of the cross-process rate-limit test (tests/test_suggestions.py): Django on
the database named by DATABASE_URL, posting suggestions through the test client.

    python -m tests.suggestion_process setup           # migrate, and one member state
    python -m tests.suggestion_process post N ADDRESS  # N suggestions from ADDRESS

`post` prints the status code of each answer, one a line.
"""

import sys

import django


def main(argv):
    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()  # e-mail to memory, the test client's host allowed
    if argv[0] == "setup":
        call_command("migrate", verbosity=0)
        call_command("createcachetable", verbosity=0)
        from registry.models import MemberState, Network

        network = Network.objects.create(name="Network", slug="network")
        MemberState.objects.create(
            name="State", code="XA", code_alpha3="QXA", slug="state", network=network
        )
        return
    count, address = int(argv[1]), argv[2]
    client = Client(REMOTE_ADDR=address)
    for n in range(count):
        response = client.post(
            "/suggest/member-state/state/",
            {"what_is_wrong": f"Wrong name, message {n}", "correct_value": "", "source": ""},
        )
        print(response.status_code, flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
