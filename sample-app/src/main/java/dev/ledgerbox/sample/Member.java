package dev.ledgerbox.sample;

import dev.ledgerbox.audit.AuditMasked;
import dev.ledgerbox.audit.Audited;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** A member of the shop's team; the phone number is audited masked (that it changed, not its value). */
@Audited
@Entity
@Table(name = "shop_member")
public class Member {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    private String email;

    @Enumerated(EnumType.STRING)
    private Role role = Role.MEMBER;

    @AuditMasked
    private String phone;

    protected Member() {}

    public Member(String email, String phone) {
        this.email = email;
        this.phone = phone;
    }

    public Long getId() {
        return id;
    }

    public String getEmail() {
        return email;
    }

    public Role getRole() {
        return role;
    }

    public void setRole(Role role) {
        this.role = role;
    }
}
