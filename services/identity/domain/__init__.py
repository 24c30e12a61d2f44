"""Identity's rules, in plain Python with no I/O: one module a concern.

citizens     what a valid registration is; names and their masks
assurance    the levels and how a citizen rises through them; the real-name lockout
id_numbers   the resident identity card number (GB 11643-1999)
phone_codes  one-time codes that confirm a phone
consent      consent to read attributes, and the hash chain of the access log
"""
