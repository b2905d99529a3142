"""A merge moves a contact's lifecycle stage forward, never back: a lead that
a HubSpot export calls a customer becomes one, and the change is a stage
change like any other (on the timeline, in the report's conversions, taken
away by undo)."""

import io

from tinycrm.store import reports
from tinycrm.store.merge import merge_contacts
from tinycrm.store.import_undo import undo_batch
from tinycrm.store.importer import ImportOptions, import_contacts

HUBSPOT = ("Record ID,First Name,Last Name,Email,Lifecycle Stage\n"
           "101,Ada,Lovelace,ada@ex.org,{stage}\n")


def run(store, text: str, **options):
    return import_contacts(store, io.BytesIO(text.encode()), name="hubspot.csv",
                           options=ImportOptions(**options))


def stage_events(store, contact_id):
    return [(e.data["from"], e.data["to"]) for e in store.timeline.list(contact_id)
            if e.kind == "stage"]


def test_a_merge_moves_a_lead_on_to_the_stage_the_file_gives(store):
    ada = store.contacts.add("Ada Lovelace", emails=["ada@ex.org"])
    assert ada.stage == "lead"
    summary = run(store, HUBSPOT.format(stage="Customer"))
    assert summary.merged == 1
    assert store.contacts.get(ada.id).stage == "customer"
    assert stage_events(store, ada.id) == [("lead", "customer")]
    report = reports.build(store)
    assert (report.conversion.leads, report.conversion.converted) == (1, 1)


def test_a_merge_never_moves_a_stage_back(store):
    ada = store.contacts.add("Ada Lovelace", emails=["ada@ex.org"], stage="customer")
    summary = run(store, HUBSPOT.format(stage="Lead"))
    assert summary.merged == 1  # (its Record ID is new)
    after = store.contacts.get(ada.id)
    assert after.stage == "customer" and after.fields == {"Record ID": "101"}
    assert stage_events(store, ada.id) == []


def test_update_records_its_stage_change_too(store):
    ada = store.contacts.add("Ada Lovelace", emails=["ada@ex.org"], stage="customer")
    run(store, HUBSPOT.format(stage="Lead"), on_duplicate="update")
    assert store.contacts.get(ada.id).stage == "lead"
    assert stage_events(store, ada.id) == [("customer", "lead")]


def test_undo_puts_the_stage_back_and_takes_its_change_away(store):
    ada = store.contacts.add("Ada Lovelace", emails=["ada@ex.org"])
    summary = run(store, HUBSPOT.format(stage="Customer"))
    undo_batch(store, summary.batch_id)
    assert store.contacts.get(ada.id).stage == "lead"
    assert stage_events(store, ada.id) == []


def test_rows_of_one_file_move_a_new_contact_forward(store):
    run(store, "Email,Name,Stage\nada@ex.org,Ada,lead\nada@ex.org,Ada,customer\n"
               "ada@ex.org,Ada,qualified\n")
    (ada,) = store.contacts.list()
    assert ada.stage == "customer"


def test_merging_two_contacts_keeps_the_later_stage(store):
    keep = store.contacts.add("Ada Lovelace", emails=["ada@ex.org"])
    other = store.contacts.add("Ada L.", emails=["ada@work.example"], stage="customer")
    merged, changed, _, _ = merge_contacts(store, keep.id, other.id)
    assert merged.stage == "customer" and "stage" in changed
    assert stage_events(store, keep.id) == [("lead", "customer")]
    # The other way round, KEEP's later stage stays.
    third = store.contacts.add("Ada King", emails=["ada@king.example"])
    merged, changed, _, _ = merge_contacts(store, keep.id, third.id)
    assert merged.stage == "customer" and "stage" not in changed
