package dev.ledgerbox.sample;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** {@code POST /api/members} invites a member, {@code PUT /api/members/{id}/role} changes their role. */
@Path("/members")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class MemberResource {

    public record Invitation(String email, String phone) {}

    public record RoleChange(Role role) {}

    public record MemberView(long id, String email, Role role) {
        static MemberView of(Member m) {
            return new MemberView(m.getId(), m.getEmail(), m.getRole());
        }
    }

    @Inject
    Members members;

    @POST
    public MemberView invite(Invitation invitation) {
        if (invitation == null) {
            throw new BusinessRuleException("send {\"email\": ..., \"phone\": ...}");
        }
        return MemberView.of(members.invite(invitation.email(), invitation.phone()));
    }

    @PUT
    @Path("/{id}/role")
    public MemberView changeRole(@PathParam("id") long id, RoleChange change) {
        if (change == null || change.role() == null) {
            throw new BusinessRuleException("send {\"role\": \"MEMBER\" or \"ADMIN\"}");
        }
        return MemberView.of(members.changeRole(id, change.role()));
    }
}
