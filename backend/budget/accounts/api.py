from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate

from budget.accounts import mailed_tokens, selectors, services, sessions, two_factor
from budget.accounts.schemas import (
    AcceptedOut,
    ApiKeyCreatedOut,
    ApiKeyIn,
    ApiKeyOut,
    BackupCodesOut,
    EmailIn,
    MailedTokenIn,
    OtpCodeIn,
    PasswordChangeIn,
    PasswordIn,
    PasswordResetConfirmIn,
    RefreshIn,
    RegisterIn,
    SessionOut,
    TokenIn,
    TokenPairOut,
    TwoFactorDisableIn,
    TwoFactorSetupOut,
    TwoFactorStatusOut,
    UserOut,
    UserPatch,
)
from budget.accounts.throttles import (
    account_mail_throttles,
    account_user_mail_throttles,
    auth_throttles,
    password_check_throttles,
    token_check_throttles,
)
from budget.common.pagination import Pages

router = Router(tags=["auth"])


RESET_ACCEPTED = (
    "If an account uses this email, a link to set a new password is on its way. "
    "It works once, for 60 minutes."
)
VERIFY_RESENT = "A new link to verify your email is on its way."


@router.post(
    "/register",
    response={201: UserOut},
    auth=None,
    throttle=auth_throttles("register"),
    description="403 `registration_closed` when the server has REGISTRATION_OPEN=false. "
    "A link to verify the email is mailed.",
)
def register(request: HttpRequest, payload: RegisterIn):
    services.registration_check()
    user = services.user_register(
        email=payload.email, password=payload.password, full_name=payload.full_name
    )
    return Status(201, user)


@router.post(
    "/token",
    response=TokenPairOut,
    auth=None,
    throttle=auth_throttles("token"),
    description="Signs in and starts a session. 401 codes: `invalid_credentials` (email or "
    "password), `otp_required` (two-factor sign-in is on and no `otp` was sent), "
    "`otp_invalid` (the `otp` is wrong or already used).",
)
def token_obtain(request: HttpRequest, payload: TokenIn):
    user = services.user_authenticate(
        request=request, email=payload.email, password=payload.password, otp=payload.otp
    )
    return services.tokens_issue(user=user, user_agent=sessions.user_agent_of(request))


@router.post("/token/refresh", response=TokenPairOut, auth=None)
def token_refresh(request: HttpRequest, payload: RefreshIn):
    return services.tokens_refresh(
        refresh=payload.refresh, user_agent=sessions.user_agent_of(request)
    )


@router.post(
    "/password-reset",
    response={202: AcceptedOut},
    auth=None,
    throttle=account_mail_throttles("password_reset"),
    description="Mails a single-use link (60 minutes) to set a new password. The same answer "
    "for every email, whether or not an account uses it.",
)
def password_reset(request: HttpRequest, payload: EmailIn):
    mailed_tokens.password_reset_request(email=payload.email)
    return Status(202, {"detail": RESET_ACCEPTED})


@router.post(
    "/password-reset/confirm",
    response={204: None},
    auth=None,
    throttle=token_check_throttles("password_reset_confirm"),
    description="Sets the new password and ends every session. 422 codes: `token_invalid`, "
    "`token_expired`, `token_used` (field `token`); `validation_error` (field `new_password`).",
)
def password_reset_confirm(request: HttpRequest, payload: PasswordResetConfirmIn):
    services.password_reset_confirm(token=payload.token, new_password=payload.new_password)
    return Status(204, None)


@router.post(
    "/verify-email",
    response={204: None},
    auth=None,
    throttle=token_check_throttles("verify_email"),
    description="Marks the email verified. 422 codes: `token_invalid`, `token_expired`, "
    "`token_used` (field `token`).",
)
def verify_email(request: HttpRequest, payload: MailedTokenIn):
    services.email_verify(token=payload.token)
    return Status(204, None)


@router.post(
    "/verify-email/resend",
    response={202: AcceptedOut},
    throttle=account_user_mail_throttles("verify_email_resend"),
    description="Mails a new verification link; earlier ones stop working. "
    "409 `email_already_verified`.",
)
def verify_email_resend(request: HttpRequest):
    services.email_verification_resend(user=request.auth)
    return Status(202, {"detail": VERIFY_RESENT})


@router.post("/logout", response={204: None})
def logout(request: HttpRequest, payload: RefreshIn):
    services.tokens_revoke(user=request.auth, refresh=payload.refresh)
    return Status(204, None)


@router.get("/me", response=UserOut)
def me(request: HttpRequest):
    return selectors.user_profile(user=request.auth)


@router.patch("/me", response=UserOut)
def me_update(request: HttpRequest, payload: UserPatch):
    services.user_update(user=request.auth, **payload.dict(exclude_unset=True))
    return selectors.user_profile(user=request.auth)


@router.delete("/me", response={204: None}, throttle=password_check_throttles())
def me_delete(request: HttpRequest, payload: PasswordIn):
    services.user_delete(user=request.auth, password=payload.password)
    return Status(204, None)


@router.post("/password", response={204: None}, throttle=password_check_throttles())
def password_change(request: HttpRequest, payload: PasswordChangeIn):
    services.password_change(
        user=request.auth,
        current_password=payload.current_password,
        new_password=payload.new_password,
        session_id=request.session_id,
    )
    return Status(204, None)


@router.get("/2fa", response=TwoFactorStatusOut)
def two_factor_status(request: HttpRequest):
    return two_factor.two_factor_status(user=request.auth)


@router.post(
    "/2fa/setup",
    response=TwoFactorSetupOut,
    description="A new secret for an authenticator app; two-factor sign-in is on only after "
    "`POST /auth/2fa/enable`. 409 `two_factor_enabled` while it is on.",
)
def two_factor_setup(request: HttpRequest):
    return two_factor.two_factor_setup(user=request.auth)


@router.post(
    "/2fa/enable",
    response=BackupCodesOut,
    throttle=password_check_throttles(),
    description="Turns two-factor sign-in on with a code from the app; answers the 10 backup "
    "codes, shown only here. 422 `otp_invalid`; 409 `two_factor_not_set_up`, "
    "`two_factor_enabled`.",
)
def two_factor_enable(request: HttpRequest, payload: OtpCodeIn):
    return {"backup_codes": two_factor.two_factor_enable(user=request.auth, code=payload.code)}


@router.delete(
    "/2fa",
    response={204: None},
    throttle=password_check_throttles(),
    description="Turns two-factor sign-in off. The code may be a backup code. "
    "422 (field `password` or `code`); 409 `two_factor_not_enabled`.",
)
def two_factor_disable(request: HttpRequest, payload: TwoFactorDisableIn):
    two_factor.two_factor_disable(user=request.auth, password=payload.password, code=payload.code)
    return Status(204, None)


@router.get(
    "/sessions",
    response=list[SessionOut],
    description="Open sessions (signed-in devices), most recently used first. `current` marks "
    "the session of the access token used for this request (its `sid` claim).",
)
@paginate(Pages)
def session_list(request: HttpRequest):
    return sessions.sessions_open(user=request.auth)


@router.delete("/sessions/{uuid:session_id}", response={204: None})
def session_delete(request: HttpRequest, session_id):
    sessions.session_revoke(user=request.auth, session_id=session_id)
    return Status(204, None)


@router.post(
    "/sessions/revoke-all",
    response={204: None},
    description="Signs out everywhere, this session included.",
)
def session_revoke_all(request: HttpRequest):
    sessions.sessions_revoke_all(user=request.auth)
    return Status(204, None)


@router.get("/api-keys", response=list[ApiKeyOut])
@paginate(Pages)
def api_key_list(request: HttpRequest):
    return selectors.api_keys_of(user=request.auth)


@router.post("/api-keys", response={201: ApiKeyCreatedOut})
def api_key_create(request: HttpRequest, payload: ApiKeyIn):
    api_key, raw_key = services.api_key_create(
        user=request.auth, name=payload.name, expires_at=payload.expires_at
    )
    api_key.key = raw_key
    return Status(201, api_key)


@router.delete("/api-keys/{uuid:key_id}", response={204: None})
def api_key_delete(request: HttpRequest, key_id):
    services.api_key_delete(user=request.auth, key_id=key_id)
    return Status(204, None)
