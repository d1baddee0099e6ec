from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "budget.groups"
    label = "groups"

    def ready(self) -> None:
        from budget.groups import receivers
        from budget.ledgers.models import InvitationKind
        from budget.ledgers.signals import invitation_accepters
        from budget.money.signals import transactions_changing

        invitation_accepters[InvitationKind.GROUP] = receivers.group_invitation_accept
        transactions_changing.connect(
            receivers.mirrored_transactions_guard, dispatch_uid="groups.mirrored_guard"
        )
