#!/usr/bin/env python3
"""Drives a running example authorization server (Examples/AuthorizationServer) with a real OAuth client library,
authlib, as an application would: authorization code with PKCE (S256), refresh-token rotation (8 threads refreshing one
token at once all get tokens within the grace period; a replay of that token after the grace period is refused and so is
every token of its family), client credentials by client_secret_basic, client_secret_post and private_key_jwt, and the
replays the server must refuse; then OpenID Connect through authlib's OpenID client, which reads the discovery document
and checks the ID token's signature against the served JWKS, before and after a forced rotation of the signing keys.

    Scripts/oauth-client-flows.py --server http://127.0.0.1:PORT --clients CLIENTS.json [--grace SECONDS] [--rotate JSON]
                                  [--only FLOW,...]

--grace is the server's refresh-token grace period (default 10 s, the server's default policy): the replay waits past it.
--rotate is a command (a JSON array: the program and its arguments) that forces a rotation of the server's signing
keys, e.g. `idstore keys rotate --immediately` on the server's key store; without it the rotation part is skipped.

CLIENTS.json names the clients registered on the server (Tests/ExampleServerTests writes it):
    {"public": {"client_id", "redirect_uri", "scope"},            a client with no secret, PKCE, offline access
     "secret": {"client_id", "basic_secret", "post_secret", "scope"},  client credentials by shared secret
     "private_key_jwt": {"client_id", "jwk", "scope"}}            client credentials by an assertion, jwk private

Exits 0 when every flow behaves, 1 naming each flow that did not, 3 when a module is missing (authlib and requests:
Scripts/install-packages.sh installs them)."""
import argparse
import base64
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse

try:
    import requests
    from authlib.common.security import generate_token
    from authlib.integrations.base_client import BaseApp, OAuth2Mixin, OpenIDMixin
    from authlib.integrations.base_client import OAuthError
    from authlib.integrations.requests_client import OAuth2Session
    from authlib.oauth2.rfc7523 import PrivateKeyJWT
    from joserfc.jwk import OKPKey
except ImportError as error:
    print(f"oauth-client-flows: missing python module {error.name} (Scripts/install-packages.sh installs it)", file=sys.stderr)
    sys.exit(3)

# The test server listens on plain HTTP on the loopback interface; authlib refuses http:// URLs without this.
os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"


class FlowFailed(Exception):
    pass


def expect(condition, message):
    if not condition:
        raise FlowFailed(message)


def expect_refused(error_code, call, what):
    """Runs `call`, which must fail with OAuth error `error_code`."""
    try:
        token = call()
    except OAuthError as error:
        expect(error.error == error_code, f"{what}: refused with {error.error} ({error.description}), expected {error_code}")
        return
    raise FlowFailed(f"{what}: accepted (token response {sorted(token)}), expected {error_code}")


class Flows:
    def __init__(self, server, clients, grace):
        self.grace = grace
        self.server = server.rstrip("/")
        self.authorize_url = self.server + "/authorize"
        self.token_url = self.server + "/token"
        self.clients = clients

    # Authorization code with PKCE

    def public_session(self):
        public = self.clients["public"]
        return OAuth2Session(public["client_id"], redirect_uri=public["redirect_uri"], scope=public["scope"],
                             code_challenge_method="S256", token_endpoint_auth_method="none")

    def authorization_response(self, session, verifier):
        """The redirect the server answers an authorization request with, not followed: there is no login page, the
        `subject` parameter stands in for the user."""
        url, state = session.create_authorization_url(self.authorize_url, code_verifier=verifier, subject="ada")
        query = urllib.parse.urlsplit(url).query
        # What the server must read as form encoding (RFC 6749 Appendix B): the scopes joined by `+`.
        expected_scope = urllib.parse.quote_plus(self.clients["public"]["scope"])
        expect(f"scope={expected_scope}" in query.split("&"), f"authlib's authorization URL has no scope={expected_scope}: {url}")
        response = requests.get(url, allow_redirects=False, timeout=60)
        expect(response.status_code == 302, f"GET /authorize answered {response.status_code}: {response.text}")
        location = response.headers.get("Location", "")
        expect(location.startswith(self.clients["public"]["redirect_uri"] + "?"), f"redirect to {location!r}")
        return location, state

    def code_with_pkce(self):
        session = self.public_session()
        verifier = generate_token(48)
        location, _ = self.authorization_response(session, verifier)
        # fetch_token checks the returned state against the session's and sends the code with the verifier.
        token = session.fetch_token(self.token_url, authorization_response=location, code_verifier=verifier)
        expect(token.get("access_token"), f"no access token in {sorted(token)}")
        expect(token.get("refresh_token"), f"no refresh token (offline_access was asked) in {sorted(token)}")
        expect(token.get("scope") == self.clients["public"]["scope"], f"scope {token.get('scope')!r}")
        # The same code again: it was taken by the first redemption.
        expect_refused("invalid_grant", lambda: self.public_session().fetch_token(
            self.token_url, authorization_response=location, code_verifier=verifier, state=None), "the same code redeemed twice")
        return token

    def wrong_or_missing_verifier(self):
        for name, sent in (("a wrong code_verifier", generate_token(48)), ("no code_verifier", None)):
            session = self.public_session()
            location, _ = self.authorization_response(session, generate_token(48))
            extra = {"code_verifier": sent} if sent else {}
            expect_refused("invalid_grant", lambda: session.fetch_token(self.token_url, authorization_response=location, **extra),
                           f"a code redeemed with {name}")

    # Refresh-token rotation

    def refresh_rotation(self):
        first = self.code_with_pkce()
        session = self.public_session()
        old = first["refresh_token"]
        rotated = session.refresh_token(self.token_url, refresh_token=old)
        new = rotated.get("refresh_token")
        expect(new and new != old, "the refresh did not hand out a new refresh token")
        expect(rotated.get("scope") == self.clients["public"]["scope"], f"scope after refresh {rotated.get('scope')!r}")
        again = self.public_session().refresh_token(self.token_url, refresh_token=new)
        expect(again.get("refresh_token") not in (None, new, old), "the new refresh token did not rotate once more")

    def concurrent_refresh_then_replay(self):
        """8 threads refresh one token at the same moment (tabs of one browser, a retried request): with the server's
        default policy every thread gets tokens, each its own refresh token. Then, past the grace period, the token is
        replayed: refused (invalid_grant), and so is every token of its family, the 8 just handed out included."""
        token = self.code_with_pkce()["refresh_token"]
        threads = 8
        start = threading.Barrier(threads)
        results = [None] * threads

        def refresh(index):
            session = self.public_session()
            start.wait(timeout=60)
            try:
                results[index] = session.refresh_token(self.token_url, refresh_token=token)
            except Exception as error:  # reported below, with the other threads' outcomes
                results[index] = error

        workers = [threading.Thread(target=refresh, args=(index,)) for index in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=120)
        failures = [f"{type(result).__name__}: {getattr(result, 'error', result)}" for result in results if not isinstance(result, dict)]
        expect(not failures, f"{len(failures)} of {threads} concurrent refreshes got no tokens: {failures}")
        issued = [result.get("refresh_token") for result in results]
        expect(all(issued) and len(set(issued)) == threads and token not in issued,
               f"the concurrent refreshes did not each get a refresh token of their own: {issued}")
        expect(all(result.get("access_token") for result in results), "a concurrent refresh got no access token")

        # Only ever longer than the grace period, however slow the machine (the grace runs from the first refresh).
        time.sleep(self.grace + 0.5)
        expect_refused("invalid_grant", lambda: self.public_session().refresh_token(self.token_url, refresh_token=token),
                       "a refresh token replayed after the grace period")
        for index, new in enumerate(issued):
            expect_refused("invalid_grant", lambda: self.public_session().refresh_token(self.token_url, refresh_token=new),
                           f"refresh token {index + 1} of {threads} of the family revoked by the replay")
        expect_refused("invalid_grant", lambda: self.public_session().refresh_token(self.token_url, refresh_token=token),
                       "the replayed refresh token once more")

    # Client credentials

    def secret_session(self, method, secret):
        client = self.clients["secret"]
        return OAuth2Session(client["client_id"], secret, scope=client["scope"], token_endpoint_auth_method=method)

    def client_secret(self, method, key):
        client = self.clients["secret"]
        token = self.secret_session(method, client[key]).fetch_token(self.token_url, grant_type="client_credentials")
        expect(token.get("access_token"), f"no access token in {sorted(token)}")
        expect(token.get("scope") == client["scope"], f"scope {token.get('scope')!r}, asked {client['scope']!r}")
        expect_refused("invalid_client", lambda: self.secret_session(method, client[key] + "x").fetch_token(
            self.token_url, grant_type="client_credentials"), f"a wrong secret by {method}")

    def client_secret_basic(self):
        self.client_secret("client_secret_basic", "basic_secret")

    def client_secret_post(self):
        self.client_secret("client_secret_post", "post_secret")

    def private_key_jwt(self):
        client = self.clients["private_key_jwt"]
        auth = ReplayablePrivateKeyJWT(self.token_url, alg="Ed25519")
        session = OAuth2Session(client["client_id"], OKPKey.import_key(client["jwk"]), scope=client["scope"],
                                token_endpoint_auth_method=auth)
        token = session.fetch_token(self.token_url, grant_type="client_credentials")
        expect(token.get("access_token"), f"no access token in {sorted(token)}")
        expect(token.get("scope") == client["scope"], f"scope {token.get('scope')!r}")
        # A fresh assertion is accepted; the very assertion the first request carried is refused.
        session.fetch_token(self.token_url, grant_type="client_credentials")
        auth.replay = auth.signed[0]
        expect_refused("invalid_client", lambda: session.fetch_token(self.token_url, grant_type="client_credentials"),
                       "a replayed client assertion")


class OpenIDClient(OAuth2Mixin, OpenIDMixin, BaseApp):
    """authlib's OpenID Connect client (what its Flask and Starlette integrations build on) without a web framework:
    discovery, the authorization URL with a nonce and PKCE, the token request, and `parse_id_token`, which validates the
    ID token's signature against the JWKS (fetched again for a kid it does not know) and its claims."""
    client_cls = OAuth2Session


def token_header(token):
    segment = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


class OpenIDFlows:
    def __init__(self, server, clients, rotate):
        self.server = server.rstrip("/")
        self.public = clients["public"]
        self.rotate = rotate

    def client(self):
        return OpenIDClient(None, client_id=self.public["client_id"], server_metadata_url=self.server + "/.well-known/openid-configuration",
                            client_kwargs={"scope": self.public["scope"], "code_challenge_method": "S256", "token_endpoint_auth_method": "none"})

    def sign_in(self, session=None):
        """The authorization-code flow with a nonce; returns the validated claims and the ID token."""
        client = self.client()
        session = session or requests.Session()
        request = client.create_authorization_url(self.public["redirect_uri"], subject="ada")
        expect("nonce" in request, f"authlib made no nonce: {sorted(request)}")
        response = session.get(request["url"], allow_redirects=False, timeout=60)
        expect(response.status_code == 302, f"GET /authorize answered {response.status_code}: {response.text}")
        token = client.fetch_access_token(self.public["redirect_uri"], authorization_response=response.headers["Location"],
                                          code_verifier=request["code_verifier"], state=request["state"])
        expect(token.get("id_token"), f"no ID token (openid was asked) in {sorted(token)}")
        claims = client.parse_id_token(token, nonce=request["nonce"])
        expect(claims["sub"] == "ada" and claims["aud"] == self.public["client_id"], f"ID token claims {dict(claims)}")
        expect(len(token["access_token"].split(".")) == 3, "the access token is not a JWT")
        return token["id_token"], client

    def jwks_kids(self):
        keys = requests.get(self.server + "/.well-known/jwks.json", timeout=60).json()["keys"]
        expect(all(key.get("kid") and key.get("alg") and key.get("use") == "sig" for key in keys), f"JWKS entries without kid/alg/use: {keys}")
        return {key["kid"] for key in keys}

    def session_cookie(self):
        """The server's session cookie (protected by its data protector) signs the user in again without `subject`."""
        session = requests.Session()
        self.sign_in(session)
        expect(session.cookies.get("idstore_session"), "no session cookie was set")
        client = self.client()
        request = client.create_authorization_url(self.public["redirect_uri"])
        url = request["url"]  # no subject: the cookie says who the user is
        response = session.get(url, allow_redirects=False, timeout=60)
        expect(response.status_code == 302, f"GET /authorize with the session cookie answered {response.status_code}: {response.text}")
        altered = requests.get(url, allow_redirects=False, timeout=60, cookies={"idstore_session": session.cookies.get("idstore_session")[:-2] + "AA"})
        expect(altered.status_code == 400, f"an altered session cookie was accepted ({altered.status_code})")

    def id_token_across_rotation(self):
        before, client = self.sign_in()
        old_kid = token_header(before)["kid"]
        expect(old_kid in self.jwks_kids(), f"the ID token's kid {old_kid} is not in the JWKS")
        if not self.rotate:
            return
        result = subprocess.run(self.rotate, capture_output=True, text=True, timeout=300)
        expect(result.returncode == 0, f"the rotation command failed: {result.stdout} {result.stderr}")
        # The server sees the new key when it next reads its key store (its --key-check-interval).
        deadline = time.time() + 120
        while True:
            after, _ = self.sign_in()
            new_kid = token_header(after)["kid"]
            if new_kid != old_kid:
                break
            expect(time.time() < deadline, f"the server still signs with {old_kid} two minutes after the rotation")
            time.sleep(0.5)
        kids = self.jwks_kids()
        expect(new_kid in kids and old_kid in kids, f"after the rotation the JWKS has {kids}: the new {new_kid} and the retired {old_kid} must both be there")
        # A token signed before the rotation still validates against the JWKS served now.
        client.server_metadata.pop("jwks", None)
        client.parse_id_token({"id_token": before, "access_token": "x"}, nonce=self.nonce_of(before))

    @staticmethod
    def nonce_of(token):
        segment = token.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))).get("nonce")


class ReplayablePrivateKeyJWT(PrivateKeyJWT):
    """authlib's private_key_jwt, keeping every assertion it signed, and sending `replay` instead of a new one when
    set."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.signed = []
        self.replay = None

    def sign(self, auth, token_endpoint):
        if self.replay:
            return self.replay
        assertion = super().sign(auth, token_endpoint)
        self.signed.append(assertion)
        return assertion


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--server", required=True, help="the server's base URL, http://127.0.0.1:PORT")
    parser.add_argument("--clients", required=True, help="the clients registered on it (JSON, see above)")
    parser.add_argument("--only", help="run only these flows (comma-separated), e.g. concurrent_refresh_then_replay")
    parser.add_argument("--grace", type=float, default=10, help="the server's refresh-token grace period in seconds (default 10, the server's default)")
    parser.add_argument("--rotate", help="a command (JSON array) forcing a rotation of the server's signing keys")
    arguments = parser.parse_args()
    with open(arguments.clients, encoding="utf-8") as file:
        clients = json.load(file)
    flows = Flows(arguments.server, clients, arguments.grace)
    openid = OpenIDFlows(arguments.server, clients, json.loads(arguments.rotate) if arguments.rotate else None)
    failed = []
    every = [(flows, name) for name in ("code_with_pkce", "wrong_or_missing_verifier", "refresh_rotation", "concurrent_refresh_then_replay",
                                        "client_secret_basic", "client_secret_post", "private_key_jwt")]
    every += [(openid, "session_cookie"), (openid, "id_token_across_rotation")]
    chosen = set(arguments.only.split(",")) if arguments.only else None
    for flow, name in every:
        if chosen is not None and name not in chosen:
            continue
        try:
            getattr(flow, name)()
            print(f"ok: {name}")
        except Exception as error:  # one flow's failure of any kind is reported, and the other flows still run
            description = f"{error.error}: {error.description}" if isinstance(error, OAuthError) else str(error)
            print(f"FAILED: {name}: {type(error).__name__}: {description}")
            failed.append(name)
    if failed:
        print(f"oauth-client-flows: {len(failed)} flow(s) failed against {arguments.server}: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
