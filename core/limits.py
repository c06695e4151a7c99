"""Maximum lengths of free text, in one place so pages, API serializers and the schema agree.

Every free-text input names one of these; the database columns of short fields carry their own max_length, and
TextField columns rely on these limits (a 1.9 MB "description" was once stored).
"""

LONG_TEXT = 2000  # a problem description, a review comment, a note or order on a case
NOTE = 500  # a one-line note: contact made, resolution, rating comment
REASON = 255  # a revocation reason, a booking note
CODE = 200  # a typed or scanned permit number / QR text
ADDRESS = 255  # a street address (a booking's, a case's)
PHONE = 20  # a mobile number as typed (spaces, +86)
