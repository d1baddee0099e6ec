from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate

from budget.accounts import selectors, services
from budget.accounts.schemas import (
    ApiKeyCreatedOut,
    ApiKeyIn,
    ApiKeyOut,
    PasswordChangeIn,
    PasswordIn,
    RefreshIn,
    RegisterIn,
    TokenIn,
    TokenPairOut,
    UserOut,
    UserPatch,
)
from budget.accounts.throttles import auth_throttles, password_check_throttles
from budget.common.pagination import Pages

router = Router(tags=["auth"])


@router.post("/register", response={201: UserOut}, auth=None, throttle=auth_throttles("register"))
def register(request: HttpRequest, payload: RegisterIn):
    user = services.user_register(
        email=payload.email, password=payload.password, full_name=payload.full_name
    )
    return Status(201, user)


@router.post("/token", response=TokenPairOut, auth=None, throttle=auth_throttles("token"))
def token_obtain(request: HttpRequest, payload: TokenIn):
    user = services.user_authenticate(
        request=request, email=payload.email, password=payload.password
    )
    return services.tokens_issue(user=user)


@router.post("/token/refresh", response=TokenPairOut, auth=None)
def token_refresh(request: HttpRequest, payload: RefreshIn):
    return services.tokens_refresh(refresh=payload.refresh)


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
    )
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
