package dev.ledgerbox.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The rules of the house, checked on the main classes of every library module and of the
 * publisher application: no package cycles; no module reaches into another module's {@code
 * internal} package; a class in {@code internal} is public only when a class outside its package
 * needs it.
 */
class ArchitectureTest {

    /** Each module's root package; a package belongs to the longest root it starts with. */
    static final String[] MODULES = {
        "dev.ledgerbox.outbox",
        "dev.ledgerbox.audit",
        "dev.ledgerbox.publisher",
        "dev.ledgerbox.publisher.app",
        "dev.ledgerbox.inbox",
        "dev.ledgerbox.outbound",
        "dev.ledgerbox.console"
    };

    static JavaClasses main;

    @BeforeAll
    static void importMainClasses() {
        main = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(location -> !location.contains("-tests.jar")) // the publisher's test helpers
                .importPackages("dev.ledgerbox");
    }

    @Test
    void theModulesAreThere() {
        for (String module : MODULES) {
            classes()
                    .that()
                    .resideInAPackage(module + "..")
                    .should()
                    .bePublic()
                    .orShould()
                    .notBePublic()
                    .check(main); // fails when no class matches: the import missed a module
        }
    }

    @Test
    void noPackageDependsOnItselfThroughOthers() {
        slices().matching("dev.ledgerbox.(**)").should().beFreeOfCycles().check(main);
    }

    @Test
    void noModuleReachesIntoAnotherModulesInternals() {
        for (String module : MODULES) {
            noClasses()
                    .that(belongToAnotherModuleThan(module))
                    .should()
                    .dependOnClassesThat()
                    .resideInAPackage(module + ".internal..")
                    .because("a module's internal package is its own; use its API or spi")
                    .check(main);
        }
    }

    @Test
    void aPublicClassInInternalIsNeededOutsideItsPackage() {
        classes()
                .that()
                .resideInAPackage("..internal..")
                .and()
                .arePublic()
                .and()
                .areTopLevelClasses()
                .should(beUsedOutsideTheirPackage())
                .check(main);
    }

    static String moduleOf(String packageName) {
        String best = null;
        for (String module : MODULES) {
            if ((packageName.equals(module) || packageName.startsWith(module + "."))
                    && (best == null || module.length() > best.length())) {
                best = module;
            }
        }
        return best;
    }

    static com.tngtech.archunit.base.DescribedPredicate<JavaClass> belongToAnotherModuleThan(String module) {
        return com.tngtech.archunit.base.DescribedPredicate.describe(
                "belong to another module than " + module,
                c -> moduleOf(c.getPackageName()) != null && !module.equals(moduleOf(c.getPackageName())));
    }

    /** Interceptors, beans, JAX-RS providers and extensions that the container or the ServiceLoader create must be public. */
    static boolean madeByTheContainer(JavaClass c) {
        return c.isAnnotatedWith("jakarta.interceptor.Interceptor")
                || c.isAnnotatedWith("jakarta.ws.rs.ext.Provider")
                || c.isAnnotatedWith("jakarta.enterprise.context.ApplicationScoped")
                || c.isAssignableTo("jakarta.enterprise.inject.spi.Extension")
                || c.isAssignableTo("org.eclipse.microprofile.rest.client.spi.RestClientListener")
                || c.isAssignableTo("org.hibernate.integrator.spi.Integrator");
    }

    static ArchCondition<JavaClass> beUsedOutsideTheirPackage() {
        return new ArchCondition<>("be used by a class outside their package (else: package-private)") {
            @Override
            public void check(JavaClass c, ConditionEvents events) {
                boolean used = false;
                for (Dependency d : c.getDirectDependenciesToSelf()) {
                    if (!d.getOriginClass().getPackageName().equals(c.getPackageName())) {
                        used = true;
                        break;
                    }
                }
                if (!used && !c.getModifiers().contains(JavaModifier.ABSTRACT) && !madeByTheContainer(c)) {
                    events.add(
                            SimpleConditionEvent.violated(c, c.getName() + " is public, but only its package uses it"));
                }
            }
        };
    }
}
