{
 "algorithm": "ed25519",
 "key_id": "986f41592db3dc94",
 "signature": "j8oB6rxfaRxCxSfBzTRmwdX8DviGWiwNtpj6DuT6sfD/JuU+0QXsFTczfxNDiDPS3NqWSZEno1zd6ZZVKNHgAg==",
 "signature_format": 1
}
