"""The release key's public half: trusted wherever this package is installed.

Each entry is the base64 of an Ed25519 public key's 32 raw bytes (`python -m risk keys new
--out FILE` prints it). The private half never enters the repository; the release manager
signs the shipped version with
`python -m risk keys sign synthetic-v1 --key /work/keys/release-ed25519.pem`.
"""

RELEASE_PUBLIC_KEYS: tuple[str, ...] = (
    "JxBQeVrWCoDgoRUxtXoHmS6oyq6wjy2ayld6lrr3nPc=",  # key 986f41592db3dc94, release of 2026-12
)
