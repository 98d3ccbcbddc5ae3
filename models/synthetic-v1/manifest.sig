{
 "algorithm": "ed25519",
 "key_id": "986f41592db3dc94",
 "signature": "XRsFJkCbo0/qstADkbaw1aLHnOcauWtFeCRtg7n3mGg3u1eEXcjkXGo4hyevFk4Y/A2a+QthX3lHCin5BOGkAA==",
 "signature_format": 1
}
