{
 "algorithm": "ed25519",
 "key_id": "986f41592db3dc94",
 "signature": "qaro7IRVFH+2TjGb+xSFx22va9jKD7yh7PJQco3PMEikLpzm9Lx2wW1IayuNSfSDyKltYbsdJt1GARJ7Ks+XBA==",
 "signature_format": 1
}
