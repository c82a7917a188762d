// RFC 9111 logic arrives with the HTTPCaching issue.
