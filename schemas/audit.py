"""The audit actions: every action the trail records, as one `AuditAction` Enum, and `Aktion` for an action
with details (who to whom, which revision). The values are the German words stored in the trail; they never
change, so that kept trails stay valid and readable. The audit writer (storage/core.py `audit_fields`) takes
nothing else: a plain string is refused, so no action is written that is not in this list."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class AuditAction(StrEnum):
    # records: their lifecycle (storage/core.py)
    ANGELEGT = "angelegt"
    GESPEICHERT = "gespeichert"
    ABGESCHLOSSEN = "abgeschlossen"
    VERWORFEN = "verworfen"
    KORRIGIERT_KDN = "korrigiert (KDN)"
    GELOESCHT_KDN = "gelöscht (KDN)"
    GELOESCHT_LOESCHFRIST = "gelöscht (Löschfrist)"
    KATALOG_VEROEFFENTLICHT = "Katalog veröffentlicht"
    # reading and refusals
    GELESEN = "gelesen"
    GELESEN_IN_VERTRETUNG = "gelesen (in Vertretung)"
    LISTE_ANGEZEIGT = "Liste angezeigt"
    ZUGRIFF_VERWEIGERT = "Zugriff verweigert"
    # the client's case (Akte) and Vertretung
    STAMMDATEN_KORRIGIERT = "Stammdaten korrigiert"
    UEBERGABE = "Übergabe"
    ABGEMELDET = "abgemeldet"
    WIEDER_AUFGENOMMEN = "wieder aufgenommen"
    VERTRETUNG_BEENDET = "Vertretung vorzeitig beendet"
    VERTRETUNG_ABGELAUFEN = "Vertretung abgelaufen"
    # documents
    GEDRUCKT = "gedruckt"  # the profiling print for the file (KDN)
    AUSGEHAENDIGT = "ausgehändigt"  # a closed EGV Fassung given to the client (also every re-print)
    ENTWURF_GEDRUCKT = "Entwurf gedruckt"  # an open EGV Fassung printed as a draft
    EINVERSTAENDNIS_GEDRUCKT = "Einverständniserklärung gedruckt"
    AUSKUNFT_ERTEILT = "Auskunft erteilt"
    # sign-in and accounts
    ANMELDUNG_ERFOLGREICH = "Anmeldung erfolgreich"
    PASSWORT_BESTAETIGT = "Passwort bestätigt (zweiter Faktor ausstehend)"
    ANMELDUNG_NUR_SSO = "Anmeldung abgelehnt (Passwort-Anmeldung abgeschaltet)"
    ANMELDUNG_FEHLGESCHLAGEN = "Anmeldung fehlgeschlagen"
    ANMELDUNG_GESPERRT = "Anmeldung abgelehnt (Konto gesperrt)"
    ANMELDUNG_DEAKTIVIERT = "Anmeldung abgelehnt (Konto deaktiviert)"
    ANMELDUNG_GEDROSSELT = "Anmeldung abgelehnt (zu viele Fehlversuche)"
    KONTO_GESPERRT = "Konto gesperrt nach Fehlversuchen"
    SPERRE_AUFGEHOBEN = "Anmeldesperre aufgehoben"
    ABMELDUNG = "Abmeldung"
    ABMELDUNG_ZEIT = "Abmeldung (Zeitüberschreitung)"
    ABMELDUNG_HOECHSTDAUER = "Abmeldung (Höchstdauer 12 Stunden)"
    ERSTES_KONTO = "erstes KDN-Konto angelegt"
    PASSWORT_ZURUECKGESETZT = "Passwort zurückgesetzt"
    ROLLE_GEAENDERT = "Rolle/Team geändert"
    DEAKTIVIERT = "deaktiviert"
    REAKTIVIERT = "reaktiviert"
    ZWEITER_FAKTOR_EINGERICHTET = "zweiter Faktor eingerichtet"
    ZWEITER_FAKTOR_ZURUECKGESETZT = "zweiter Faktor zurückgesetzt"
    WIEDERHERSTELLUNGSCODE_VERWENDET = "Wiederherstellungscode verwendet"
    SSO_KEINE_ROLLE = "SSO-Anmeldung abgelehnt (keine Rolle)"
    SSO_UNGUELTIG = "SSO-Anmeldung abgelehnt (Angaben unvollständig)"
    SSO_KONTO_ANGELEGT = "SSO-Konto angelegt"
    SSO_ROLLE_UEBERNOMMEN = "Rolle/Team aus SSO übernommen"

    def mit(self, detail: str) -> Aktion:
        """This action with details written after it, e.g. `UEBERGABE.mit(" von Team 1 an Team 2")`."""
        return Aktion(self, detail)


@dataclass(frozen=True)
class Aktion:
    """An action with the details that follow it in the trail („abgemeldet: Wegzug (Revision 3)“)."""

    action: AuditAction
    detail: str = ""

    def mit(self, detail: str) -> Aktion:
        """The same action with more details appended (e.g. " (in Vertretung)")."""
        return Aktion(self.action, self.detail + detail)

    def __str__(self) -> str:
        return f"{self.action}{self.detail}"


def action_text(action: AuditAction | Aktion) -> str:
    """The action as the trail stores it. Raises TypeError for anything but an AuditAction or Aktion: every
    action written must be a member of AuditAction."""
    if isinstance(action, AuditAction | Aktion):
        return str(action)
    raise TypeError(f"An audit action must be an AuditAction (schemas/audit.py), not {action!r}.")
