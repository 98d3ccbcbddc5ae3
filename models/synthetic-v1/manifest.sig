{
 "algorithm": "ed25519",
 "key_id": "986f41592db3dc94",
 "signature": "X35oOiRG0e8NfAZbfdyB9chDog6yLR4fBP4VGon6TMuqQ5cTAZu+0rFJGUQ/OwWcXfjmh78w+nC1/iSmiGzuAA==",
 "signature_format": 1
}
