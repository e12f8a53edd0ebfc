#!/usr/bin/env python3
"""Writes N signed webhook requests for wrk: alternating WhatsApp status webhooks (one status
each, X-Hub-Signature-256 over the exact bytes) and Twilio status callbacks (X-Twilio-Signature
over AVISO_PUBLIC_URL + path + sorted params). Every request has a unique message id.

An optional sixth argument is the first message number (default 0), so two files never share an id.

Output: one request per line, tab-separated: path, signature header name, signature, content type, body.
"""
import base64, hashlib, hmac, sys, urllib.parse

n = int(sys.argv[1]); out = sys.argv[2]
app_secret = sys.argv[3].encode(); twilio_token = sys.argv[4].encode(); public_url = sys.argv[5].rstrip("/")
first = int(sys.argv[6]) if len(sys.argv) > 6 else 0
statuses = ["sent", "delivered", "read"]
with open(out, "w") as f:
    for i in range(first, first + n):
        if i % 2 == 0:
            body = ('{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"messages",'
                    '"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881",'
                    '"phone_number_id":"106540352242922"},"statuses":[{"id":"wamid.BENCH%08d","status":"%s",'
                    '"timestamp":"%d","recipient_id":"50255551234","pricing":{"billable":true,"pricing_model":"PMP",'
                    '"category":"utility"}}]}}]}]}') % (i, statuses[i % 3], 1751142888 + i)
            sig = "sha256=" + hmac.new(app_secret, body.encode(), hashlib.sha256).hexdigest()
            f.write("\t".join(["/api/webhooks/whatsapp", "X-Hub-Signature-256", sig, "application/json", body]) + "\n")
        else:
            params = {"MessageSid": "SMBENCH%08d" % i, "MessageStatus": statuses[i % 3], "To": "+50255551234",
                      "From": "+15005550006", "AccountSid": "ACfake0000000000000000000000000000", "ApiVersion": "2010-04-01",
                      "SmsSid": "SMBENCH%08d" % i, "SmsStatus": statuses[i % 3]}
            path = "/api/webhooks/twilio"
            payload = public_url + path + "".join(k + v for k, v in sorted(params.items()))
            sig = base64.b64encode(hmac.new(twilio_token, payload.encode(), hashlib.sha1).digest()).decode()
            body = urllib.parse.urlencode(params)
            f.write("\t".join([path, "X-Twilio-Signature", sig, "application/x-www-form-urlencoded", body]) + "\n")
