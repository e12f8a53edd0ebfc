# Sourced by the webhook benchmarks: the server's variables for a run on $PORT (fresh secrets),
# and $BIN, the release binaries (built unless BIN is given, e.g. to measure an older build).
export AVISO_PUBLIC_URL="http://127.0.0.1:$PORT"
export WHATSAPP_APP_SECRET="bench-app-secret-$(date +%s)"
export TWILIO_AUTH_TOKEN="bench-twilio-token-$(date +%s)"
export WHATSAPP_VERIFY_TOKEN="bench-verify"
export AVISO_CRON_SECRET="bench-cron-secret"
export AVISO_ADMIN_PASSWORD="bench-admin-password"
export AVISO_BCRYPT_COST=4
if [ -z "${BIN:-}" ]; then
  for product in $PRODUCTS; do swift build -c release --scratch-path "$SCRATCH" --product "$product" >/dev/null; done
  BIN=$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)
fi
